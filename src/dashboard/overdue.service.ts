import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In, SelectQueryBuilder } from 'typeorm';
import type { Principal } from '../auth/principal';
import { maskName } from '../common/masking';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { Clock, DAY } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { Unit } from '../units/unit.entity';
import { Wish } from '../wishes/wish.entity';
import { DashboardScope, DashboardView } from './dashboard-scope';
import { OverdueQuery } from './dto/dashboard.query';
import { OverdueCountsView, OverdueItemView, OverdueListView, OverdueView } from './dto/dashboard.views';
import { BacklogEntry } from './rollup/rollup.entities';
import { BACKLOG_STAGES, BacklogStage } from './rollup/wish-effects';

interface BacklogFilter {
  category?: string;
  channel?: string;
}

/**
 * Lists an office can act on: wishes open, claimed or fulfilled for longer than the configured
 * number of days, oldest first. Read from the backlog table by (stage, scope, since); the stage's
 * start time is a timestamp, so the lists are right without any scheduled job.
 */
@Injectable()
export class OverdueService {
  constructor(
    private readonly scope: DashboardScope,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  thresholdDays(stage: BacklogStage): number {
    const { overdueOpenDays, overdueClaimedDays, overdueFulfilledDays } = this.config.dashboard;
    return { open: overdueOpenDays, claimed: overdueClaimedDays, fulfilled: overdueFulfilledDays }[stage];
  }

  async counts(view: DashboardView, filter: BacklogFilter): Promise<OverdueCountsView> {
    const [open, claimed, fulfilled] = await Promise.all(BACKLOG_STAGES.map((stage) => this.query(view, stage, filter).getCount()));
    return { open, claimed, fulfilled, thresholdsDays: { open: this.thresholdDays('open'), claimed: this.thresholdDays('claimed'), fulfilled: this.thresholdDays('fulfilled') } };
  }

  async lists(principal: Principal, query: OverdueQuery): Promise<OverdueView> {
    const view = await this.scope.resolve(principal, query);
    const stages = query.kind ? [query.kind] : BACKLOG_STAGES;
    const lists: OverdueListView[] = [];
    for (const stage of stages) lists.push(await this.list(view, stage, query, query.kind ? query.cursor : undefined));
    return { lists };
  }

  private async list(view: DashboardView, stage: BacklogStage, query: OverdueQuery, cursorToken?: string): Promise<OverdueListView> {
    const total = await this.query(view, stage, query).getCount();
    const qb = this.query(view, stage, query).orderBy('b.since', 'ASC').addOrderBy('b.wish_id', 'ASC').take(query.limit + 1);
    const cursor = decodeCursor(cursorToken);
    if (cursor) qb.andWhere('(b.since > :after OR (b.since = :after AND b.wish_id > :afterId))', { after: cursor.at, afterId: cursor.id });
    const rows = await qb.getMany();
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return {
      kind: stage,
      thresholdDays: this.thresholdDays(stage),
      total,
      items: await this.items(page),
      nextCursor: more ? encodeCursor({ at: page[page.length - 1].since, id: page[page.length - 1].wishId }) : null,
    };
  }

  private query(view: DashboardView, stage: BacklogStage, filter: BacklogFilter): SelectQueryBuilder<BacklogEntry> {
    const cutoff = new Date(this.clock.now().getTime() - this.thresholdDays(stage) * DAY);
    const qb = this.dataSource.getRepository(BacklogEntry).createQueryBuilder('b').where('b.stage = :stage AND b.since < :cutoff', { stage, cutoff });
    qb.andWhere(
      new Brackets((scope) => {
        if (view.regionPaths.length === 0) scope.where('1 = 0');
        view.regionPaths.forEach((path, i) => scope.orWhere(`b.region_path LIKE :bp${i}`, { [`bp${i}`]: `${path}%` }));
      }),
    );
    if (!view.unitIds.includes(0)) qb.andWhere('b.unit_id IN (:...units)', { units: view.unitIds });
    if (filter.category) qb.andWhere('b.category = :category', { category: filter.category });
    if (filter.channel) qb.andWhere('b.channel = :channel', { channel: filter.channel });
    return qb;
  }

  private async items(entries: BacklogEntry[]): Promise<OverdueItemView[]> {
    if (entries.length === 0) return [];
    const wishes = await this.dataSource
      .getRepository(Wish)
      .createQueryBuilder('w')
      .select(['w.id', 'w.title', 'w.category', 'w.channel', 'w.status', 'w.communityId', 'w.residentName'])
      .leftJoin('w.community', 'community')
      .addSelect(['community.id', 'community.name'])
      .leftJoin('w.claimer', 'claimer')
      .addSelect(['claimer.id', 'claimer.name'])
      .where({ id: In(entries.map((entry) => entry.wishId)) })
      .getMany();
    const unitIds = [...new Set(entries.map((entry) => entry.unitId).filter((id): id is number => id !== null))];
    const units = unitIds.length ? await this.dataSource.getRepository(Unit).find({ select: { id: true, name: true }, where: { id: In(unitIds) } }) : [];
    const byId = new Map(wishes.map((wish) => [wish.id, wish]));
    const unitNames = new Map(units.map((unit) => [unit.id, unit.name]));
    const now = this.clock.now().getTime();
    return entries.flatMap((entry) => {
      const wish = byId.get(entry.wishId);
      if (!wish) return [];
      return [
        {
          wishId: wish.id,
          title: wish.title,
          category: wish.category,
          channel: wish.channel,
          status: wish.status,
          communityId: wish.communityId,
          communityName: wish.community?.name ?? '',
          residentName: maskName(wish.residentName),
          since: entry.since.toISOString(),
          days: Math.floor((now - entry.since.getTime()) / DAY),
          claimerId: entry.claimerId,
          claimerName: entry.claimerId ? (wish.claimer?.id === entry.claimerId ? wish.claimer.name : null) : null,
          unitName: entry.unitId ? (unitNames.get(entry.unitId) ?? null) : null,
          timelineUrl: `/api/v1/wishes/${wish.id}/events`,
        },
      ];
    });
  }
}
