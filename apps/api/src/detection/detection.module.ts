import { Module } from '@nestjs/common';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { DetectionController } from './detection.controller';
import { DetectionService } from './detection.service';

@Module({
  imports: [ModelRegistryModule],
  controllers: [DetectionController],
  providers: [DetectionService],
})
export class DetectionModule {}
