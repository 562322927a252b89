/* 微心愿 office dashboard: plain JS, no build step. Reads /api/v1/dashboard/*, draws with ECharts (served locally). */
'use strict';
(() => {
  const API = '/api/v1';
  const TOKENS = 'wish-dashboard-tokens';
  const $ = (id) => document.getElementById(id);
  const state = {
    tokens: JSON.parse(sessionStorage.getItem(TOKENS) || 'null'),
    scope: null,
    breakdownBy: 'community',
    sort: null,
    order: 'desc',
    overdueKind: 'open',
    overdue: null,
    generation: 0,
    charts: {},
  };

  const STATUS = { pending_review: '待审核', open: '待认领', claimed: '已认领', fulfilled: '待确认', completed: '已完成', rejected: '未通过', cancelled: '已取消' };
  const ACTION = {
    submit: '提交', auto_approve: '自动通过', approve: '审核通过', reject: '审核未通过', edit: '修改', hold_for_review: '转人工复核', claim: '认领', assign: '指派',
    reassign: '改派', release: '释放', timeout_release: '超时释放', fulfil: '完成办理', dispute: '提出异议', confirm: '确认完成', auto_complete: '自动完成', withdraw: '撤回', cancel: '取消',
  };
  const METRICS = [['review', '审核'], ['toClaim', '认领等待'], ['toFulfil', '办理'], ['toConfirm', '确认'], ['endToEnd', '全程']];
  const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('zh-CN'));
  const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
  const hours = (s) => (s === null || s === undefined ? null : Math.round((s / 3600) * 10) / 10);
  const duration = (s) => {
    if (s === null || s === undefined) return '–';
    if (s < 3600) return `${Math.round(s / 60)} 分钟`;
    if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} 小时`;
    return `${(s / 86400).toFixed(1)} 天`;
  };
  const shanghai = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  const when = (iso) => (iso ? shanghai.format(new Date(iso)) : '');
  const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);

  // ── Session ───────────────────────────────────────────────────────────────
  function saveTokens(tokens) {
    state.tokens = tokens;
    if (tokens) sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
    else sessionStorage.removeItem(TOKENS);
  }

  async function refresh() {
    if (!state.tokens?.refreshToken) return false;
    const response = await fetch(`${API}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: state.tokens.refreshToken }) });
    if (!response.ok) return false;
    saveTokens(await response.json());
    return true;
  }

  /** GET with the bearer token; one refresh on 401, then back to the login form. */
  async function api(path, params = {}, asBlob = false) {
    const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined));
    const url = `${API}${path}${query.toString() ? `?${query}` : ''}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${state.tokens?.accessToken}` } });
      if (response.status === 401 && attempt === 0 && (await refresh())) continue;
      if (response.status === 401) {
        showLogin();
        throw new Error('登录已失效，请重新登录');
      }
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.message || `请求失败（${response.status}）`);
      }
      return asBlob ? response : response.json();
    }
  }

  function showLogin() {
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-username').focus();
  }

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('login-error').textContent = '';
    const response = await fetch(`${API}/auth/password/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: $('login-username').value.trim(), password: $('login-password').value }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      $('login-error').textContent = body.message || '登录失败';
      return;
    }
    saveTokens(body);
    $('login-password').value = '';
    await start();
  });

  $('logout').addEventListener('click', () => {
    saveTokens(null);
    showLogin();
  });

  // ── Filters ───────────────────────────────────────────────────────────────
  function regionId() {
    const values = [...document.querySelectorAll('#region-pickers select')].map((s) => s.value).filter(Boolean);
    return values[values.length - 1] || '';
  }

  function period() {
    const today = state.scope.today;
    const year = today.slice(0, 4);
    switch ($('filter-period').value) {
      case '7': return { from: addDays(today, -6), to: today };
      case '30': return { from: addDays(today, -29), to: today };
      case 'lastyear': return { from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
      case 'custom': return { from: $('filter-from').value || `${year}-01-01`, to: $('filter-to').value || today };
      default: return { from: `${year}-01-01`, to: today };
    }
  }

  function filters() {
    return { ...period(), regionId: regionId(), unitId: $('filter-unit').value, category: $('filter-category').value, channel: $('filter-channel').value };
  }

  async function addRegionPicker(options, placeholder) {
    const select = document.createElement('select');
    select.innerHTML = `<option value="">${escape(placeholder)}</option>` + options.map((r) => `<option value="${r.id}">${escape(r.name)}</option>`).join('');
    select.addEventListener('change', async () => {
      let next = select.nextElementSibling;
      while (next) {
        const after = next.nextElementSibling;
        next.remove();
        next = after;
      }
      if (select.value) await addChildren(select.value);
      await reload();
    });
    $('region-pickers').appendChild(select);
    return select;
  }

  async function addChildren(id) {
    const children = (await api(`/regions/${id}/children`)).filter((r) => r.level !== 'grid');
    if (children.length) await addRegionPicker(children, '全部');
  }

  async function buildPickers() {
    $('region-pickers').innerHTML = '';
    const roots = state.scope.regions;
    if (roots.length === 1) {
      // One region in scope: it is the whole view; offer its children at once.
      const only = await addRegionPicker(roots, roots[0].name);
      only.options[1].remove();
      await addChildren(roots[0].id);
    } else if (roots.length > 1) {
      await addRegionPicker(roots, '全部辖区');
    } else {
      $('region-pickers').innerHTML = '<span class="muted">本单位党员服务的全部地区</span>';
    }
    $('filter-unit').innerHTML = `<option value="">${roots.length ? '全部单位' : '本单位'}</option>` + state.scope.units.map((u) => `<option value="${u.id}">${escape(u.name)}</option>`).join('');
    $('scope-label').textContent = roots.length ? roots.map((r) => r.name).join('、') : state.scope.units.map((u) => u.name).join('、');
    const year = Number(state.scope.today.slice(0, 4));
    $('quota-year').innerHTML = [year, year - 1, year - 2].map((y) => `<option>${y}</option>`).join('');
  }

  for (const id of ['filter-unit', 'filter-category', 'filter-channel', 'filter-from', 'filter-to']) $(id).addEventListener('change', () => reload());
  $('filter-period').addEventListener('change', () => {
    $('custom-range').hidden = $('filter-period').value !== 'custom';
    reload();
  });
  $('trend-interval').addEventListener('change', () => loadTrend(filters()).catch(showError));
  $('quota-year').addEventListener('change', () => loadQuota(filters()).catch(showError));

  // ── Loading ───────────────────────────────────────────────────────────────
  function showError(error) {
    $('error').hidden = false;
    $('error').textContent = error.message;
  }

  async function reload() {
    $('error').hidden = true;
    const f = filters();
    try {
      await Promise.all([loadSummary(f), loadTrend(f), loadBreakdown(f), loadOverdue(f), loadQuota(f)]);
      state.generation += 1;
      document.body.dataset.generation = String(state.generation);
    } catch (error) {
      showError(error);
    }
  }

  async function loadSummary(f) {
    const s = await api('/dashboard/summary', f);
    $('kpi-submitted').textContent = fmt(s.funnel.submitted);
    $('kpi-completed').textContent = fmt(s.funnel.completed);
    $('kpi-rate').textContent = s.funnel.submitted ? pct(s.funnel.completed / s.funnel.submitted) : '–';
    $('kpi-e2e').textContent = duration(s.cycleTimes.endToEnd.medianSeconds);
    $('kpi-rating').textContent = s.satisfaction.mean === null ? '–' : s.satisfaction.mean.toFixed(2);
    $('kpi-high').textContent = pct(s.satisfaction.highShare);
    $('kpi-overdue').textContent = fmt(s.overdue.open + s.overdue.claimed + s.overdue.fulfilled);
    $('freshness').textContent = s.pendingEvents > 0 ? `数据更新中（${s.pendingEvents} 条待汇总）` : `统计时段 ${s.period.from} 至 ${s.period.to}（北京时间）`;
    const t = s.overdue.thresholdsDays;
    $('overdue-note').textContent = `待认领超过 ${t.open} 天、待办理超过 ${t.claimed} 天、待确认超过 ${t.fulfilled} 天，最早的在前`;
    draw('chart-funnel', {
      tooltip: { trigger: 'item' },
      series: [{
        type: 'funnel', sort: 'none', left: '8%', width: '60%', minSize: '8%', label: { position: 'right' },
        data: [['提交', s.funnel.submitted], ['审核通过', s.funnel.approved], ['认领', s.funnel.claimed], ['圆梦', s.funnel.fulfilled], ['完成', s.funnel.completed]].map(([name, value]) => ({ name: `${name} ${value}`, value })),
      }],
      graphic: [{ type: 'text', right: 8, top: 8, style: { text: `未通过 ${s.funnel.rejected}\n撤回 ${s.funnel.withdrawn}\n取消 ${s.funnel.cancelled}\n释放 ${s.funnel.released}\n异议 ${s.funnel.disputed}`, fill: '#6b7280', font: '12px sans-serif' } }],
    });
    draw('chart-cycle', {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: ['中位数', 'P90'] },
      grid: { left: 48, right: 16, top: 32, bottom: 24 },
      xAxis: { type: 'category', data: METRICS.map(([, label]) => label) },
      yAxis: { type: 'value', name: '小时' },
      series: [
        { name: '中位数', type: 'bar', data: METRICS.map(([m]) => hours(s.cycleTimes[m].medianSeconds)), itemStyle: { color: '#b91c1c' } },
        { name: 'P90', type: 'bar', data: METRICS.map(([m]) => hours(s.cycleTimes[m].p90Seconds)), itemStyle: { color: '#f59e0b' } },
      ],
    });
  }

  async function loadTrend(f) {
    const t = await api('/dashboard/trend', { ...f, interval: $('trend-interval').value });
    const labels = t.points.map((p) => p.period);
    const line = (name, key) => ({ name, type: 'line', data: t.points.map((p) => p.funnel[key]) });
    draw('chart-trend', {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: ['提交', '认领', '完成', '办结中位（小时）'] },
      grid: { left: 48, right: 56, top: 32, bottom: 24 },
      xAxis: { type: 'category', data: labels },
      yAxis: [{ type: 'value', name: '件' }, { type: 'value', name: '小时' }],
      series: [line('提交', 'submitted'), line('认领', 'claimed'), line('完成', 'completed'),
        { name: '办结中位（小时）', type: 'bar', yAxisIndex: 1, data: t.points.map((p) => hours(p.cycleTimes.endToEnd.medianSeconds)), itemStyle: { color: '#cbd5e1' } }],
    });
  }

  function draw(id, option) {
    if (typeof echarts === 'undefined') return;
    state.charts[id] ??= echarts.init($(id));
    state.charts[id].setOption(option, true);
  }
  window.addEventListener('resize', () => Object.values(state.charts).forEach((chart) => chart.resize()));

  // ── Breakdown ─────────────────────────────────────────────────────────────
  const BREAKDOWN_COLUMNS = {
    default: [['name', '名称'], ['submitted', '提交'], ['approved', '通过'], ['claimed', '认领'], ['fulfilled', '圆梦'], ['completed', '完成'], ['completionRate', '完成率'], ['released', '释放'], ['withdrawn', '撤回'], ['cancelled', '取消'], ['rejected', '未通过'], ['ratingMean', '评分'], ['highShare', '好评率'], ['meanEndToEndSeconds', '平均办结']],
    member: [['name', '党员'], ['unitName', '单位'], ['completed', '完成'], ['claimed', '认领'], ['fulfilled', '圆梦'], ['released', '释放'], ['completionRate', '完成率'], ['ratingMean', '评分']],
  };

  async function loadBreakdown(f) {
    const b = await api('/dashboard/breakdown', { ...f, by: state.breakdownBy, sort: state.sort, order: state.order, limit: 200 });
    const columns = BREAKDOWN_COLUMNS[state.breakdownBy === 'member' ? 'member' : 'default'];
    const cell = (row, key) => {
      const v = row[key];
      if (key === 'completionRate' || key === 'highShare') return pct(v);
      if (key === 'meanEndToEndSeconds') return duration(v);
      if (key === 'ratingMean') return v === null ? '–' : v.toFixed(2);
      return typeof v === 'number' ? fmt(v) : escape(v);
    };
    const head = columns.map(([key, label], i) => {
      const sortable = key !== 'unitName';
      const sorted = b.sort === key;
      return `<th ${i === 0 || key === 'unitName' ? 'class="text' + (sorted ? ' sorted' : '') + '"' : sorted ? 'class="sorted"' : ''} data-sort="${sortable ? key : ''}" data-arrow="${b.order === 'asc' ? '▲' : '▼'}">${label}</th>`;
    }).join('');
    const body = b.rows.map((row) => `<tr>${columns.map(([key], i) => `<td${i === 0 || key === 'unitName' ? ' class="text"' : ''}>${cell(row, key)}</td>`).join('')}</tr>`).join('');
    $('breakdown-table').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}" class="text muted">暂无数据</td></tr>`}</tbody>`;
  }

  $('breakdown-table').addEventListener('click', (event) => {
    const key = event.target.closest('th')?.dataset.sort;
    if (!key) return;
    state.order = state.sort === key && state.order === 'desc' ? 'asc' : 'desc';
    state.sort = key;
    loadBreakdown(filters()).catch(showError);
  });

  $('breakdown-tabs').addEventListener('click', (event) => {
    const by = event.target.dataset.by;
    if (!by) return;
    for (const tab of $('breakdown-tabs').children) tab.classList.toggle('active', tab === event.target);
    state.breakdownBy = by;
    state.sort = null;
    state.order = 'desc';
    loadBreakdown(filters()).catch(showError);
  });

  // ── Overdue ───────────────────────────────────────────────────────────────
  async function loadOverdue(f) {
    state.overdue = await api('/dashboard/overdue', { regionId: f.regionId, unitId: f.unitId, category: f.category, channel: f.channel, limit: 50 });
    renderOverdue();
  }

  function renderOverdue() {
    for (const tab of $('overdue-tabs').children) {
      const list = state.overdue.lists.find((l) => l.kind === tab.dataset.kind);
      tab.textContent = `${{ open: '待认领', claimed: '待办理', fulfilled: '待确认' }[tab.dataset.kind]}（${list ? list.total : 0}）`;
      tab.classList.toggle('active', tab.dataset.kind === state.overdueKind);
    }
    const list = state.overdue.lists.find((l) => l.kind === state.overdueKind);
    const rows = list.items.map((i) => `<tr>
      <td class="text"><a href="#" data-wish="${i.wishId}" data-title="${escape(i.title)}">${escape(i.title)}</a></td>
      <td class="text">${escape(i.communityName)}</td><td class="text">${escape(i.residentName)}</td>
      <td class="text">${escape(i.claimerName || '')}${i.unitName ? `（${escape(i.unitName)}）` : ''}</td>
      <td>${when(i.since)}</td><td>${i.days} 天</td></tr>`).join('');
    $('overdue-table').innerHTML = `<thead><tr><th class="text">心愿（点击查看时间线）</th><th class="text">社区</th><th class="text">居民</th><th class="text">认领人</th><th>进入本环节</th><th>已等待</th></tr></thead>
      <tbody>${rows || '<tr><td colspan="6" class="text muted">没有逾期事项</td></tr>'}</tbody>`;
  }

  $('overdue-tabs').addEventListener('click', (event) => {
    if (!event.target.dataset.kind) return;
    state.overdueKind = event.target.dataset.kind;
    renderOverdue();
  });

  $('overdue-table').addEventListener('click', async (event) => {
    const link = event.target.closest('a[data-wish]');
    if (!link) return;
    event.preventDefault();
    try {
      const events = await api(`/wishes/${link.dataset.wish}/events`);
      $('timeline-title').textContent = `心愿时间线：${link.dataset.title}`;
      $('timeline-list').innerHTML = events.map((e) => `<li>${when(e.at)} ${ACTION[e.action] || e.action}${e.toStatus ? ` → ${STATUS[e.toStatus] || e.toStatus}` : ''}${e.reason ? `（${escape(e.reason)}）` : ''}</li>`).join('');
      $('timeline').showModal();
    } catch (error) {
      showError(error);
    }
  });

  // ── Quota ─────────────────────────────────────────────────────────────────
  async function loadQuota(f) {
    const q = await api('/dashboard/quota', { year: $('quota-year').value, regionId: f.regionId, unitId: f.unitId, limit: 100 });
    const o = q.overall;
    $('quota-summary').innerHTML = `${q.year} 年：报到党员 <b>${fmt(o.registered)}</b> 名，已完成 <b>${fmt(o.done)}</b> 名（${pct(o.rate)}），未完成 <b id="quota-missing">${fmt(q.membersWithoutCompletion.total)}</b> 名；结对单位未完成 <b>${fmt(q.unitsWithoutCompletion.length)}</b> 个。`;
    const rate = (g) => `<td>${fmt(g.registered)}</td><td>${fmt(g.done)}</td><td>${pct(g.rate)}</td>`;
    $('quota-communities').innerHTML = `<thead><tr><th class="text">社区</th><th>党员</th><th>已完成</th><th>完成率</th></tr></thead><tbody>${q.communities.map((c) => `<tr><td class="text">${escape(c.name)}</td>${rate(c)}</tr>`).join('')}</tbody>`;
    $('quota-units').innerHTML = `<thead><tr><th class="text">单位</th><th>党员</th><th>已完成</th><th>完成率</th><th>完成心愿</th></tr></thead><tbody>${q.units.filter((u) => u.paired || u.registered).map((u) => `<tr><td class="text">${escape(u.name)}${u.paired && u.completedWishes === 0 ? ' <span class="error">未完成</span>' : ''}</td>${rate(u)}<td>${fmt(u.completedWishes)}</td></tr>`).join('')}</tbody>`;
    $('quota-members').innerHTML = `<thead><tr><th class="text">党员</th><th class="text">社区</th><th class="text">单位</th><th>今年认领</th></tr></thead><tbody>${q.membersWithoutCompletion.items.map((m) => `<tr><td class="text">${escape(m.name)}</td><td class="text">${escape(m.communityName)}</td><td class="text">${escape(m.unitName)}</td><td>${fmt(m.claimedThisYear)}</td></tr>`).join('')}</tbody>`;
  }

  // ── Export ────────────────────────────────────────────────────────────────
  $('export').addEventListener('click', async () => {
    const f = filters();
    $('export').disabled = true;
    $('export').textContent = '正在导出…';
    try {
      const response = await api('/dashboard/export.xlsx', f, true);
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `心愿台账_${f.from}_${f.to}.xlsx`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (error) {
      showError(error);
    } finally {
      $('export').disabled = false;
      $('export').textContent = '导出台账';
    }
  });

  // ── Start ─────────────────────────────────────────────────────────────────
  async function start() {
    try {
      state.scope = await api('/dashboard/scope');
      const me = await api('/me');
      $('user-name').textContent = me.name || me.username || '';
      $('login').hidden = true;
      $('app').hidden = false;
      await buildPickers();
      await reload();
    } catch (error) {
      if (!$('app').hidden) showError(error);
      else {
        showLogin();
        $('login-error').textContent = error.message;
      }
    }
  }

  if (state.tokens) start();
  else showLogin();
})();
