import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegionsModule } from '../regions/regions.module';
import { Unit, UnitPairing } from './unit.entity';
import { AdminUnitsController, UnitsController } from './units.controller';
import { UnitsService } from './units.service';

@Module({
  imports: [TypeOrmModule.forFeature([Unit, UnitPairing]), RegionsModule],
  controllers: [UnitsController, AdminUnitsController],
  providers: [UnitsService],
  exports: [UnitsService],
})
export class UnitsModule {}
