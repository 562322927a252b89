import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegionsModule } from '../regions/regions.module';
import { UnitsModule } from '../units/units.module';
import { UsersModule } from '../users/users.module';
import { MemberRegistration } from './member-registration.entity';
import { AdminRegistrationsController, MembersController } from './members.controller';
import { RegistrationsService } from './registrations.service';

@Module({
  imports: [TypeOrmModule.forFeature([MemberRegistration]), RegionsModule, UnitsModule, UsersModule],
  controllers: [MembersController, AdminRegistrationsController],
  providers: [RegistrationsService],
  exports: [RegistrationsService],
})
export class MembersModule {}
