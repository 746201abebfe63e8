import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { HealthStatusDto } from './dto/health-status.dto';
import { ModelsHealthIndicator } from './models.health';

/**
 * Health answers in its own documents, also when unhealthy (503): `/health` in the reference
 * system's shape, `/health/live` and `/health/ready` in @nestjs/terminus' shape for Kubernetes probes.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly models: ModelsHealthIndicator,
    private readonly registry: ModelRegistryService,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Service health: 200 healthy when the model is loaded, 503 unhealthy otherwise' })
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({
    type: HealthStatusDto,
    example: { status: 'unhealthy', model_loaded: false },
  })
  status(@Res({ passthrough: true }) response: Response): HealthStatusDto {
    const ready = this.registry.isReady();
    response.status(ready ? 200 : 503);
    return { status: ready ? 'healthy' : 'unhealthy', model_loaded: this.registry.isMaskModelLoaded() };
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness probe: 200 while the process serves HTTP, whatever the model state' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness probe: 200 once the models are loaded and warmed up, 503 otherwise' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.models.check()]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
