import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { HealthController } from './health.controller';
import { ModelsHealthIndicator } from './models.health';

@Module({
  // The registry logs model failures once; terminus would log every failing probe.
  imports: [TerminusModule.forRoot({ logger: false }), ModelRegistryModule],
  controllers: [HealthController],
  providers: [ModelsHealthIndicator],
})
export class HealthModule {}
