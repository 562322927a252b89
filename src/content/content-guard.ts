import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, MINUTE } from '../common/time/clock';
import { User } from '../users/user.entity';
import { SecurityScene, SecurityVerdict, WechatApiError, WechatClient } from '../wechat/wechat.client';
import { WX } from '../wechat/wechat.errors';
import { ContentErrors } from './content.errors';
import { parseWordList, SensitiveWordFilter } from './sensitive-word-filter';

export type ContentVerdict = 'pass' | 'review' | 'risky';

/** The outcome of a content check that did not refuse the text. */
export interface ContentDecision {
  verdict: Exclude<ContentVerdict, 'risky'>;
  /** Who decided: the local list alone, WeChat, or nobody because WeChat could not be asked (then `review`). */
  by: 'local' | 'wechat' | 'unchecked';
  /** WeChat's label for a `review` (20001 politics, 21000 other…). */
  label?: number;
  /** Why WeChat's verdict is missing: the user has not opened the mini-program within 2 hours, or WeChat failed. */
  reason?: 'user_not_recent' | 'wechat_unavailable';
}

/** A piece of user text; `title` is sent to WeChat as the title of the content. */
export interface UserText {
  content: string;
  title?: string;
  /** forum: a wish; comment: a comment, rating comment, note or reason. */
  scene: 'forum' | 'comment';
}

export const BUILT_IN_WORDS_FILE = join(__dirname, 'sensitive-words.txt');
/** How often the office's word file is looked at for changes (on use, not by a timer). */
const RELOAD_CHECK_MS = MINUTE;

/**
 * Content security for user-generated text (WeChat requires it): a local sensitive-word filter
 * always, then WeChat's msgSecCheck v2 where WeChat is configured and the author has an openid.
 *
 * - risky (a listed word, or WeChat says so) → 422 CONTENT_REJECTED; nothing is stored.
 * - review → returned to the caller, who holds the content for an office (a wish goes to pending_review).
 * - WeChat unreachable, busy after retries, or 61010 (the user has not opened the mini-program within
 *   2 hours) → `review`: unchecked text goes to a person, never straight to the public.
 */
@Injectable()
export class ContentGuard implements OnModuleInit {
  private readonly logger = new Logger(ContentGuard.name);
  private builtIn: string[] = [];
  private filter = new SensitiveWordFilter([]);
  private extra?: { path: string; mtimeMs: number; checkedAt: number };

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly wechat: WechatClient,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Loads the lists; a configured office list that cannot be read stops the start-up. */
  onModuleInit(): void {
    this.builtIn = parseWordList(readFileSync(BUILT_IN_WORDS_FILE, 'utf8'));
    const path = this.config.content.extraWordsFile;
    if (path) {
      const extra = this.readExtra(path);
      this.extra = { path, mtimeMs: extra.mtimeMs, checkedAt: this.clock.now().getTime() };
      this.filter = new SensitiveWordFilter([...this.builtIn, ...extra.words]);
    } else {
      this.filter = new SensitiveWordFilter(this.builtIn);
    }
    this.logger.log({ words: this.filter.size, extraFile: path ?? null }, 'sensitive-word list loaded');
  }

  /**
   * Text written by a user (resident, member, or an office in the mini-program). Throws
   * CONTENT_REJECTED when risky; otherwise says whether it may be published (`pass`) or needs a person.
   */
  async screenUserText(userId: number, ...texts: UserText[]): Promise<ContentDecision> {
    const present = texts.filter((text) => text.content.trim() || text.title?.trim());
    if (present.length === 0) return { verdict: 'pass', by: 'local' };
    this.screenLocally(...present.flatMap((text) => [text.title ?? '', text.content]));
    const openid = this.wechat.configured ? await this.openidOf(userId) : null;
    // Without WeChat (or for staff without an openid, which msgSecCheck v2 requires) the local list decides.
    if (!openid) return { verdict: 'pass', by: 'local' };

    let decision: ContentDecision = { verdict: 'pass', by: 'wechat' };
    for (const text of present) {
      const checked = await this.askWechat(userId, openid, text);
      if (checked.verdict === 'review') decision = checked;
    }
    return decision;
  }

  /** Text entered by an office for a resident (offline entries): the local list decides; throws CONTENT_REJECTED on a hit. */
  screenLocally(...texts: string[]): ContentDecision {
    this.reloadIfChanged();
    const word = this.filter.firstMatch(...texts);
    if (word !== undefined) {
      this.logger.warn({ word }, 'text refused by the sensitive-word list');
      throw ContentErrors.CONTENT_REJECTED.error();
    }
    return { verdict: 'pass', by: 'local' };
  }

  private async askWechat(userId: number, openid: string, text: UserText): Promise<ContentDecision> {
    let verdict: SecurityVerdict;
    try {
      verdict = await this.wechat.msgSecCheck({
        openid,
        scene: text.scene === 'forum' ? SecurityScene.forum : SecurityScene.comment,
        content: text.content,
        title: text.title,
      });
    } catch (error) {
      if (error instanceof WechatApiError && error.errcode === WX.USER_NOT_RECENT) {
        this.logger.warn({ userId }, 'msgSecCheck refused: the user has not opened the mini-program within 2 hours (61010); held for review');
        return { verdict: 'review', by: 'unchecked', reason: 'user_not_recent' };
      }
      // -1 after the retries, 5xx, timeouts, a token that cannot be had: fail closed, to a person.
      this.logger.warn({ userId, reason: (error as Error).message }, 'msgSecCheck unavailable; text held for review');
      return { verdict: 'review', by: 'unchecked', reason: 'wechat_unavailable' };
    }
    if (verdict.suggest === 'risky') {
      this.logger.warn({ userId, label: verdict.label, traceId: verdict.traceId }, 'text refused by WeChat msgSecCheck');
      throw ContentErrors.CONTENT_REJECTED.error();
    }
    return verdict.suggest === 'review' ? { verdict: 'review', by: 'wechat', label: verdict.label } : { verdict: 'pass', by: 'wechat' };
  }

  /** The office's list is re-read when its file changed, looked at most once a minute. */
  private reloadIfChanged(): void {
    const extra = this.extra;
    const now = this.clock.now().getTime();
    if (!extra || now - extra.checkedAt < RELOAD_CHECK_MS) return;
    extra.checkedAt = now;
    try {
      if (statSync(extra.path).mtimeMs === extra.mtimeMs) return;
      const read = this.readExtra(extra.path);
      extra.mtimeMs = read.mtimeMs;
      this.filter = new SensitiveWordFilter([...this.builtIn, ...read.words]);
      this.logger.log({ words: this.filter.size, extraFile: extra.path }, 'sensitive-word list reloaded');
    } catch (error) {
      // Keep checking with the list we have rather than with none.
      this.logger.error({ extraFile: extra.path, reason: (error as Error).message }, 'could not re-read the office word list; the previous list stays in use');
    }
  }

  private readExtra(path: string): { words: string[]; mtimeMs: number } {
    return { words: parseWordList(readFileSync(path, 'utf8')), mtimeMs: statSync(path).mtimeMs };
  }

  private async openidOf(userId: number): Promise<string | null> {
    return (await this.users.findOne({ where: { id: userId }, select: { id: true, openid: true } }))?.openid ?? null;
  }
}

/** What a wish event (submit, edit) records about a decision that asked for a person's review. */
export function contentCheckDetail(screening: ContentDecision): Record<string, unknown> {
  if (screening.verdict !== 'review') return {};
  return { contentCheck: { verdict: screening.verdict, by: screening.by, ...(screening.label ? { label: screening.label } : {}), ...(screening.reason ? { reason: screening.reason } : {}) } };
}
