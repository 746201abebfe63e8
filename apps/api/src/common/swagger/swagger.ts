import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SERVICE_NAME, serviceVersion } from '../service-info';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle(`${SERVICE_NAME} face-mask detection API`)
    .setDescription(
      'Finds the faces in a photo (MediaPipe BlazeFace) and classifies whether each wears a face mask ' +
        '(MobileNetV2), both served with onnxruntime; `mode=whole` classifies the whole image as one face crop. ' +
        'Images are sniffed from their bytes; every error has the shape {statusCode, error, message}.',
    )
    .setVersion(serviceVersion())
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: DOCS_JSON_PATH,
    yamlDocumentUrl: 'docs-yaml',
  });
}
