import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn } from 'class-validator';
import { IsId, Optional } from '../../common/http/dto-rules';
import { PageQuery } from '../../common/pagination';
import { AUDIT_ACTIONS, AUDIT_TARGETS, AuditAction, AuditTargetType } from '../audit-log.entity';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only actions by this user' })
  @Optional() @Type(() => Number) @IsId()
  actorId?: number;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @Optional() @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'From this instant (inclusive), ISO 8601' })
  @Optional() @Type(() => Date) @IsDate()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Until this instant (exclusive), ISO 8601' })
  @Optional() @Type(() => Date) @IsDate()
  to?: Date;
}

export class AuditEntryView {
  @ApiProperty() id!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ nullable: true, type: Number }) actorId!: number | null;
  @ApiProperty({ example: 'community_admin' }) actorRole!: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action!: AuditAction;
  @ApiProperty({ enum: AUDIT_TARGETS }) targetType!: AuditTargetType;
  @ApiProperty({ nullable: true, type: Number }) targetId!: number | null;
  @ApiProperty({ nullable: true, type: Object, description: 'Reason, assignee, export filters…' }) detail!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String, description: 'Client address (as seen through the trusted proxy)' }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView] }) items!: AuditEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
