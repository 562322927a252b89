import { DynamicModule, Global, Module } from '@nestjs/common';
import { FieldCipher } from './crypto/field-cipher';
import { Clock } from './time/clock';

@Global()
@Module({})
export class CommonModule {
  static forRoot(clock: Clock): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: Clock, useValue: clock }, FieldCipher],
      exports: [Clock, FieldCipher],
    };
  }
}
