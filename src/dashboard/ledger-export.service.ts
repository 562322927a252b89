import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { DataSource, In } from 'typeorm';
import { AuditService, commonRegionPath } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { maskName } from '../common/masking';
import { Clock } from '../common/time/clock';
import { SHANGHAI_OFFSET_MS } from '../common/time/shanghai';
import { Region } from '../regions/region.entity';
import { Unit } from '../units/unit.entity';
import { User } from '../users/user.entity';
import { STATUS_LABEL } from '../wishes/wish-state';
import { Wish } from '../wishes/wish.entity';
import { CHANNEL_LABEL, DashboardService } from './dashboard.service';
import { DashboardScope } from './dashboard-scope';
import { DashboardFilterQuery } from './dto/dashboard.query';
import { addDays, DayRange, resolveRange } from './period';

const PAGE = 2000;
const HOUR_MS = 3_600_000;
const KIND_LABEL: Record<string, string> = { personal: '个人', public: '公共' };
const METRIC_LABEL: Record<string, string> = { review: '审核时长', toClaim: '认领等待', toFulfil: '办理时长', toConfirm: '确认时长', endToEnd: '全程' };

/** Excel has no time zones: a Date shifted by +8 h shows Shanghai wall time under a date format. */
const shanghaiCell = (at: Date | null) => (at ? new Date(at.getTime() + SHANGHAI_OFFSET_MS) : null);
const hoursBetween = (from: Date | null, to: Date | null) => (from && to ? Math.round(((to.getTime() - from.getTime()) / HOUR_MS) * 10) / 10 : null);

const LEDGER_COLUMNS: Array<Partial<ExcelJS.Column>> = [
  { header: '编号', key: 'id', width: 9 },
  { header: '标题', key: 'title', width: 28 },
  { header: '类别', key: 'category', width: 10 },
  { header: '类型', key: 'kind', width: 6 },
  { header: '渠道', key: 'channel', width: 9 },
  { header: '街道', key: 'street', width: 14 },
  { header: '社区', key: 'community', width: 14 },
  { header: '居民', key: 'resident', width: 8 },
  { header: '状态', key: 'status', width: 8 },
  { header: '提交时间', key: 'createdAt', width: 19, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
  { header: '审核时间', key: 'reviewedAt', width: 19, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
  { header: '认领时间', key: 'claimedAt', width: 19, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
  { header: '圆梦时间', key: 'fulfilledAt', width: 19, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
  { header: '确认时间', key: 'completedAt', width: 19, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
  { header: '关闭时间', key: 'closedAt', width: 19, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
  { header: '审核时长(小时)', key: 'reviewHours', width: 11 },
  { header: '认领等待(小时)', key: 'claimHours', width: 11 },
  { header: '办理时长(小时)', key: 'fulfilHours', width: 11 },
  { header: '确认时长(小时)', key: 'confirmHours', width: 11 },
  { header: '全程(小时)', key: 'totalHours', width: 10 },
  { header: '认领人', key: 'claimer', width: 10 },
  { header: '认领单位', key: 'unit', width: 18 },
  { header: '评分', key: 'rating', width: 6 },
  { header: '评价', key: 'ratingComment', width: 30 },
];

/**
 * The ledger (台账): one row per wish submitted in the period, with every timestamp (Asia/Shanghai),
 * the durations, community, street, claimer, unit and rating, plus a summary sheet. Written with
 * exceljs' streaming writer, a page of wishes at a time and waiting for the client to take what
 * was sent, so 100 000 rows never sit in memory. Residents' names are masked; no phone or address.
 */
@Injectable()
export class LedgerExportService {
  private readonly logger = new Logger(LedgerExportService.name);

  constructor(
    private readonly scope: DashboardScope,
    private readonly dashboard: DashboardService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async export(principal: Principal, query: DashboardFilterQuery, reply: FastifyReply): Promise<void> {
    // Everything that can refuse the request happens before the first byte is sent.
    const view = await this.scope.resolve(principal, query);
    const range = resolveRange(this.clock.now(), query.from, query.to);
    const summary = await this.dashboard.summary(principal, { ...query, from: range.from, to: range.to });
    const communities = await this.communitiesIn(view.regionPaths);
    // Audited before the first byte leaves: an export that breaks off half way has still disclosed rows.
    await this.audit.record(null, {
      actor: { id: principal.id, role: principal.roles.find((claim) => claim.role !== 'resident' && claim.role !== 'member')?.role ?? 'unknown' },
      origin: principal.origin,
      action: 'ledger.export',
      target: { type: 'ledger', regionPath: commonRegionPath(view.regionPaths) },
      detail: { from: range.from, to: range.to, regionId: query.regionId, unitId: query.unitId, category: query.category, channel: query.channel },
    });

    const stream = new PassThrough();
    const filename = `心愿台账_${range.from}_${range.to}.xlsx`;
    void reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="wish-ledger-${range.from}-${range.to}.xlsx"; filename*=UTF-8''${encodeURIComponent(filename)}`)
      .header('cache-control', 'no-store')
      .send(stream);

    try {
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
      workbook.creator = '微心愿';
      workbook.created = this.clock.now();
      const rows = await this.writeLedger(workbook, stream, communities, range, { ...query, unitIds: view.unitIds });
      this.writeSummary(workbook, summary, range, rows);
      await workbook.commit();
    } catch (error) {
      // Headers are gone: the client sees a broken download rather than a JSON error.
      this.logger.error({ err: error }, 'ledger export failed');
      stream.destroy(error as Error);
    }
  }

  private async communitiesIn(paths: string[]): Promise<Array<Region & { streetName: string }>> {
    if (paths.length === 0) return [];
    const qb = this.dataSource.getRepository(Region).createQueryBuilder('c').where("c.level = 'community'");
    qb.andWhere(`(${paths.map((_, i) => `c.path LIKE :p${i}`).join(' OR ')})`, Object.fromEntries(paths.map((path, i) => [`p${i}`, `${path}%`])));
    const communities = await qb.orderBy('c.path', 'ASC').getMany();
    const parentIds = [...new Set(communities.map((c) => c.parentId).filter((id): id is number => id !== null))];
    const parents = parentIds.length ? await this.dataSource.getRepository(Region).find({ select: { id: true, name: true }, where: { id: In(parentIds) } }) : [];
    const names = new Map(parents.map((p) => [p.id, p.name]));
    return communities.map((c) => Object.assign(c, { streetName: c.parentId ? (names.get(c.parentId) ?? '') : '' }));
  }

  private async writeLedger(
    workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    stream: PassThrough,
    communities: Array<Region & { streetName: string }>,
    range: DayRange,
    filter: { category?: string; channel?: string; unitIds: number[] },
  ): Promise<number> {
    const sheet = workbook.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = LEDGER_COLUMNS;
    sheet.getRow(1).font = { bold: true };
    const start = new Date(Date.parse(`${range.from}T00:00:00.000+08:00`));
    const end = new Date(Date.parse(`${addDays(range.to, 1)}T00:00:00.000+08:00`));
    const units = new Map((await this.dataSource.getRepository(Unit).find({ select: { id: true, name: true } })).map((u) => [u.id, u.name]));
    let written = 0;
    for (const community of communities) {
      let after: { at: Date; id: number } | null = null;
      for (;;) {
        const qb = this.dataSource
          .getRepository(Wish)
          .createQueryBuilder('w')
          .leftJoin(User, 'u', 'u.id = w.claimer_id')
          .addSelect('u.name', 'claimer_name')
          .where('w.community_id = :community AND w.created_at >= :start AND w.created_at < :end', { community: community.id, start, end });
        if (filter.category) qb.andWhere('w.category = :category', { category: filter.category });
        if (filter.channel) qb.andWhere('w.channel = :channel', { channel: filter.channel });
        if (!filter.unitIds.includes(0)) qb.andWhere('w.claimer_unit_id IN (:...units)', { units: filter.unitIds });
        if (after) qb.andWhere('(w.created_at > :at OR (w.created_at = :at AND w.id > :id))', { at: after.at, id: after.id });
        const { entities, raw } = await qb.orderBy('w.created_at', 'ASC').addOrderBy('w.id', 'ASC').take(PAGE).getRawAndEntities();
        const claimerNames = new Map<number, string | null>();
        raw.forEach((row: Record<string, unknown>) => claimerNames.set(Number(row.w_id), (row.claimer_name as string | null) ?? null));
        for (const wish of entities) {
          sheet
            .addRow({
              id: wish.id,
              title: wish.title,
              category: wish.category,
              kind: KIND_LABEL[wish.kind] ?? wish.kind,
              channel: CHANNEL_LABEL[wish.channel] ?? wish.channel,
              street: community.streetName,
              community: community.name,
              resident: maskName(wish.residentName),
              status: STATUS_LABEL[wish.status],
              createdAt: shanghaiCell(wish.createdAt),
              reviewedAt: shanghaiCell(wish.reviewedAt),
              claimedAt: shanghaiCell(wish.claimedAt),
              fulfilledAt: shanghaiCell(wish.fulfilledAt),
              completedAt: shanghaiCell(wish.completedAt),
              closedAt: shanghaiCell(wish.closedAt),
              reviewHours: hoursBetween(wish.createdAt, wish.reviewedAt),
              claimHours: hoursBetween(wish.reviewedAt, wish.claimedAt),
              fulfilHours: hoursBetween(wish.claimedAt, wish.fulfilledAt),
              confirmHours: hoursBetween(wish.fulfilledAt, wish.completedAt),
              totalHours: hoursBetween(wish.createdAt, wish.completedAt),
              claimer: claimerNames.get(wish.id) ?? '',
              unit: wish.claimerUnitId ? (units.get(wish.claimerUnitId) ?? '') : '',
              rating: wish.rating,
              ratingComment: wish.ratingComment ?? '',
            })
            .commit();
          written += 1;
        }
        // Let the client catch up before reading the next page.
        if (stream.writableNeedDrain) await once(stream, 'drain');
        if (entities.length < PAGE) break;
        const last = entities[entities.length - 1];
        after = { at: last.createdAt, id: last.id };
      }
    }
    sheet.commit();
    return written;
  }

  private writeSummary(workbook: ExcelJS.stream.xlsx.WorkbookWriter, summary: Awaited<ReturnType<DashboardService['summary']>>, range: DayRange, rows: number): void {
    const sheet = workbook.addWorksheet('汇总');
    sheet.columns = [
      { header: '指标', key: 'label', width: 22 },
      { header: '数值', key: 'value', width: 16 },
      { header: '说明', key: 'note', width: 40 },
    ];
    sheet.getRow(1).font = { bold: true };
    const add = (label: string, value: string | number | null, note = '') => sheet.addRow({ label, value: value ?? '—', note }).commit();
    add('统计时段', `${range.from} 至 ${range.to}`, '北京时间（Asia/Shanghai）');
    add('台账行数', rows, '时段内提交的心愿');
    const funnel = summary.funnel;
    add('提交', funnel.submitted, '时段内发生的环节数');
    add('审核通过', funnel.approved);
    add('认领', funnel.claimed);
    add('圆梦（已办理）', funnel.fulfilled);
    add('完成（已确认）', funnel.completed);
    add('未通过', funnel.rejected);
    add('居民撤回', funnel.withdrawn);
    add('社区取消', funnel.cancelled);
    add('释放退回', funnel.released);
    add('有异议', funnel.disputed);
    for (const [metric, label] of Object.entries(METRIC_LABEL)) {
      const cycle = summary.cycleTimes[metric as keyof typeof summary.cycleTimes];
      const hours = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / 3600) * 10) / 10);
      add(`${label}中位数(小时)`, hours(cycle.medianSeconds), `样本 ${cycle.samples}；误差不超过 5%`);
      add(`${label}P90(小时)`, hours(cycle.p90Seconds));
    }
    add('平均评分', summary.satisfaction.mean, `评价 ${summary.satisfaction.ratings} 条`);
    add('好评率(4–5星)', summary.satisfaction.highShare === null ? null : `${(summary.satisfaction.highShare * 100).toFixed(2)}%`);
    add('逾期未认领', summary.overdue.open, `超过 ${summary.overdue.thresholdsDays.open} 天（导出时）`);
    add('逾期未办理', summary.overdue.claimed, `超过 ${summary.overdue.thresholdsDays.claimed} 天（导出时）`);
    add('逾期未确认', summary.overdue.fulfilled, `超过 ${summary.overdue.thresholdsDays.fulfilled} 天（导出时）`);
    sheet.commit();
  }
}
