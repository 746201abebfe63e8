import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SERVICE_NAME, serviceVersion } from './common/service-info';
import { DOCS_JSON_PATH, DOCS_PATH } from './common/swagger/swagger';
import { ModelRegistryService } from './model-registry/model-registry.service';
import { EndpointDto, ServiceInfoDto } from './service-info.dto';
import { UI_PATH } from './ui/ui.module';

const ENDPOINTS: EndpointDto[] = [
  {
    method: 'POST',
    path: '/detect',
    description:
      'Find the faces in one image and classify each (multipart field "file"; mode auto, faces or whole)',
  },
  {
    method: 'POST',
    path: '/detect/annotated',
    description: 'The same, answered with the image (JPEG) with each face outlined and labelled',
  },
  {
    method: 'POST',
    path: '/detect-batch',
    description: 'Detect in up to MAX_BATCH images (multipart field "files")',
  },
  { method: 'GET', path: '/health', description: 'Health: 200 healthy / 503 unhealthy' },
  { method: 'GET', path: '/health/live', description: 'Kubernetes liveness probe' },
  {
    method: 'GET',
    path: '/health/ready',
    description: 'Kubernetes readiness probe (model loaded and warmed up)',
  },
  {
    method: 'GET',
    path: '/metrics',
    description: 'Prometheus metrics (requests, latency, inference, model)',
  },
  { method: 'GET', path: '/models', description: 'The model registry' },
  {
    method: 'GET',
    path: '/models/{name}',
    description: 'One model: version, sha256, inputs, outputs, metrics',
  },
  {
    method: 'GET',
    path: UI_PATH,
    description: 'Web page: send an image or a camera snapshot, see the faces',
  },
  { method: 'GET', path: `/${DOCS_PATH}`, description: 'Swagger UI' },
  { method: 'GET', path: `/${DOCS_JSON_PATH}`, description: 'OpenAPI document' },
];

@ApiTags('service')
@Controller()
export class AppController {
  constructor(private readonly registry: ModelRegistryService) {}

  @Get()
  @ApiOperation({ summary: 'Service name and version, the loaded models and the endpoints' })
  @ApiOkResponse({ type: ServiceInfoDto })
  info(): ServiceInfoDto {
    return {
      name: SERVICE_NAME,
      version: serviceVersion(),
      description: 'Face-mask detection: POST a photo, get each face with_mask or without_mask',
      models: this.registry.list().map((record) => ({
        name: record.name,
        version: record.version ?? null,
        status: record.status,
      })),
      endpoints: ENDPOINTS,
      docs: `/${DOCS_PATH}`,
    };
  }
}
