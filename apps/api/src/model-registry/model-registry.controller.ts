import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { ModelInfoDto, ModelListDto } from './dto/model-info.dto';
import { ModelRegistryService } from './model-registry.service';

@ApiTags('models')
@Controller('models')
export class ModelRegistryController {
  constructor(private readonly registry: ModelRegistryService) {}

  @Get()
  @ApiOperation({
    summary: 'The configured models: version, sha256, inputs and outputs, metrics, load status',
  })
  @ApiOkResponse({ type: ModelListDto })
  list(): ModelListDto {
    return { models: this.registry.list().map(ModelInfoDto.from) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One model by name' })
  @ApiOkResponse({ type: ModelInfoDto })
  @ApiErrorResponses(404)
  get(@Param('name') name: string): ModelInfoDto {
    const record = this.registry.find(name);
    if (!record) {
      const known = this.registry.list().map((entry) => entry.name);
      throw new NotFoundException(`Model '${name}' not found (available: ${known.join(', ') || 'none'})`);
    }
    return ModelInfoDto.from(record);
  }
}
