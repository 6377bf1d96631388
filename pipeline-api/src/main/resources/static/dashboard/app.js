// The tenant's dashboard: plain JS over the /v1 JSON api. The API key lives in this closure only
// (never in a URL, a cookie or storage) and every catalog string reaches the page as text
// (textContent), never as markup.
(function () {
  'use strict';

  let apiKey = null;
  let openBatch = null;
  let timer = null;
  const shown = {};

  const $ = (id) => document.getElementById(id);

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function button(text, className, onClick) {
    const b = el('button', text, className);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + apiKey, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const error = new Error(json.detail || json.title || ('HTTP ' + response.status));
      error.status = response.status;
      throw error;
    }
    return json;
  }

  // an item state in words; IN_PROVIDER_BATCH says where the items are and why they wait
  const STATE_WORDS = {
    IN_PROVIDER_BATCH: 'in provider batch job (half price, back by the deadline)',
    CAP_REACHED: 'held by cost cap',
  };
  function stateWords(state) {
    return STATE_WORDS[state] || state.toLowerCase().replace(/_/g, ' ');
  }

  function when(instant) {
    return instant ? new Date(instant).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—';
  }

  function money(usd) {
    return '$' + Number(usd || 0).toFixed(3);
  }

  /** Replaces a container's children only when its data changed (no flicker, stable buttons). */
  function render(key, data, container, build) {
    const json = JSON.stringify(data);
    if (shown[key] === json) return;
    shown[key] = json;
    container.replaceChildren(...build(data));
  }

  // ---- sign in / out ----

  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('api-key');
    apiKey = input.value.trim();
    input.value = '';
    $('sign-in-error').textContent = '';
    try {
      await api('GET', '/v1/batches?limit=1');
    } catch (e) {
      apiKey = null;
      $('sign-in-error').textContent =
        e.status === 401 ? 'This API key was not accepted.' : 'Sign-in failed: ' + e.message;
      return;
    }
    $('sign-in').hidden = true;
    $('board').hidden = false;
    $('sign-out').hidden = false;
    $('who').textContent = 'signed in with key ' + apiKey.slice(0, 12) + '…';
    await refresh();
    timer = setInterval(refresh, 2000);
  });

  $('sign-out').addEventListener('click', () => {
    apiKey = null;
    openBatch = null;
    clearInterval(timer);
    Object.keys(shown).forEach((k) => delete shown[k]);
    $('board').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('who').textContent = '';
    $('images').hidden = true;
    editing = null;
  });

  $('edit-form').addEventListener('submit', submitEdit);

  // ---- refresh ----

  let refreshing = false;
  async function refresh() {
    if (!apiKey || refreshing) return;
    refreshing = true;
    try {
      const [batches, models, schedules] = await Promise.all([
        api('GET', '/v1/batches?limit=20'),
        api('GET', '/v1/usage/models?minutes=60'),
        api('GET', '/v1/schedules')
      ]);
      render('batches', batches.batches, document.querySelector('#batches tbody'), batchRows);
      render('models', models.models, document.querySelector('#models tbody'), modelRows);
      await renderSchedules(schedules.schedules || []);
      if (openBatch) await renderFailures(openBatch);
      $('status').textContent = 'Updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      $('status').textContent = 'Could not refresh: ' + e.message;
    } finally {
      refreshing = false;
    }
  }

  function batchRows(batches) {
    return batches.map((b) => {
      const row = el('tr');
      row.dataset.batchId = b.id;
      if (b.id === openBatch) row.classList.add('selected');
      const name = el('td');
      name.append(el('div', b.name || b.id, 'batch-name'), el('div', b.id, 'muted'));
      const progress = el('td');
      const bar = el('progress');
      bar.max = 100;
      bar.value = b.progress.percent;
      progress.append(bar, ' ', el('span', b.progress.percent + '%', 'percent'),
        el('div', b.progress.done + ' / ' + b.progress.total + ' items', 'muted'));
      const counts = Object.entries(b.counts || {}).filter(([, n]) => n > 0)
        .map(([s, n]) => stateWords(s) + ' ' + n).join(', ');
      progress.append(el('div', counts, 'muted counts'));
      const eta = el('td', when(b.plan.eta));
      if (b.plan.atRisk) eta.append(el('div', 'at risk: ' + b.plan.atRisk, 'risk'));
      const byModel = el('td');
      Object.entries(b.costByModel || {}).forEach(([model, u]) =>
        byModel.append(el('div', model + ': ' + money(u.costUsd) + ' (' + u.images + ' images)')));
      const actions = el('td');
      actions.append(button('Failures', 'show-failures', () => openFailures(b)));
      actions.append(button('Images', 'show-images', () => openImages(b)));
      if (b.state !== 'COMPLETED') {
        actions.append(button('Cancel', 'cancel', () => act('POST', '/v1/batches/' + b.id + '/cancel')));
      }
      row.append(name, el('td', b.state, 'state'), progress, eta, el('td', when(b.plan.deadline)),
        el('td', money(b.costUsd)), byModel, actions);
      return row;
    });
  }

  function modelRows(models) {
    if (models.length === 0) return [el('tr', 'No calls in the last hour.', 'muted')];
    return models.map((m) => {
      const row = el('tr');
      row.dataset.model = m.model;
      row.append(el('td', m.model), el('td', m.calls), el('td', m.rateLimited),
        el('td', (m.rateLimitedShare * 100).toFixed(1) + '%', 'rate-limited-share'),
        el('td', m.callsLastMinute + ' / ' + (m.budgetRpm === null ? 'unlimited' : m.budgetRpm)));
      return row;
    });
  }

  async function renderSchedules(schedules) {
    $('schedules-empty').hidden = schedules.length > 0;
    const withRuns = await Promise.all(schedules.map(async (s) => {
      const runs = await api('GET', '/v1/schedules/' + s.id + '/runs?limit=5');
      return { s, runs: runs.runs || [] };
    }));
    render('schedules', withRuns, $('schedules'), (list) => list.map(({ s, runs }) => {
      const box = el('div', null, 'group schedule');
      box.append(el('h3', s.name + (s.paused ? ' (paused)' : '')),
        el('div', (s.cron || ('daily at ' + s.dailyAt)) + ' ' + (s.timeZone || ''), 'muted'));
      const ul = el('ul');
      runs.forEach((r) => ul.append(el('li', when(r.dueAt) + ' — ' + r.state
        + (r.reason ? ': ' + r.reason : '') + (r.batchId ? ' (batch ' + r.batchId + ')' : ''))));
      if (runs.length === 0) ul.append(el('li', 'no runs yet', 'muted'));
      box.append(ul);
      return box;
    }));
  }

  // ---- failures of one batch ----

  async function openFailures(batch) {
    openBatch = batch.id;
    $('detail-name').textContent = batch.name || batch.id;
    $('batch-detail').hidden = false;
    $('item-detail').hidden = true;
    delete shown.failures;
    delete shown.batches;
    await refresh();
  }

  async function renderFailures(batchId) {
    const pages = await Promise.all(['FAILED', 'BLOCKED', 'CANCELLED', 'CAP_REACHED'].map((state) =>
      api('GET', '/v1/batches/' + batchId + '/items?limit=200&state=' + state)));
    const groups = new Map();
    pages.flatMap((p) => p.items).forEach((item) => {
      const key = item.state + ' · ' + (item.lastErrorType || 'no reason recorded');
      if (!groups.has(key)) groups.set(key, { state: item.state, reason: key, items: [] });
      groups.get(key).items.push(item);
    });
    const list = [...groups.values()];
    $('detail-empty').hidden = list.length > 0;
    render('failures', list, $('failure-groups'), (gs) => gs.map((g) => {
      const box = el('div', null, 'group failure-group');
      box.dataset.reason = g.reason;
      box.append(el('h3', g.reason + ' — ' + g.items.length + ' item(s)'));
      const ul = el('ul');
      g.items.forEach((item) => {
        const li = el('li');
        const link = button(item.sku + ' / ' + item.variant, 'link item-link', () => openItem(batchId, item.id));
        link.dataset.itemId = item.id;
        li.append(link, ' ', el('span', item.lastErrorMessage || '', 'muted'));
        ul.append(li);
      });
      box.append(ul);
      if (g.state !== 'CAP_REACHED') {
        box.append(button('Re-drive these ' + g.state.toLowerCase() + ' items', 'redrive',
          () => act('POST', '/v1/batches/' + batchId + '/retry', { states: [g.state] })));
      }
      return box;
    }));
  }

  async function openItem(batchId, itemId) {
    try {
      const item = await api('GET', '/v1/batches/' + batchId + '/items/' + itemId);
      $('item-sku').textContent = item.sku + ' / ' + item.variant;
      $('item-prompt').textContent = item.prompt || '';
      $('item-state').textContent = item.state === 'IN_PROVIDER_BATCH'
        ? item.state + ' (' + stateWords(item.state) + ')' : item.state;
      $('item-reason').textContent = (item.lastErrorType ? item.lastErrorType + ': ' : '')
        + (item.lastErrorMessage || '—');
      $('item-attempts').replaceChildren(...(item.attemptHistory || []).map((a) =>
        el('li', a.modelRequested + ' → ' + a.outcome + (a.decision ? ' (' + a.decision + ')' : ''))));
      $('item-detail').hidden = false;
    } catch (e) {
      $('status').textContent = 'Could not load the item: ' + e.message;
    }
  }

  // ---- images of one batch: versions side by side, edits in words ----

  let editing = null;
  const blobs = [];

  async function openImages(batch) {
    $('images-name').textContent = batch.name || batch.id;
    $('images').hidden = false;
    $('editor').hidden = true;
    try {
      const page = await api('GET', '/v1/batches/' + batch.id + '/items?limit=200&state=SUCCEEDED');
      $('images-empty').hidden = page.items.length > 0;
      $('image-items').replaceChildren(...page.items.map((item) => {
        const li = el('li');
        const link = button(item.sku + ' / ' + item.variant, 'link image-item',
          () => openEditor(batch.id, item));
        link.dataset.itemId = item.id;
        li.append(link);
        return li;
      }));
    } catch (e) {
      $('status').textContent = 'Could not load the images: ' + e.message;
    }
  }

  async function openEditor(batchId, item) {
    editing = { batchId, itemId: item.id };
    $('editor-item').textContent = item.sku + ' / ' + item.variant;
    $('edit-status').textContent = '';
    $('editor').hidden = false;
    await showVersions();
  }

  /** The item's versions, each image fetched with the key and shown from a blob: URL. */
  async function showVersions() {
    const { batchId, itemId } = editing;
    const base = '/v1/batches/' + batchId + '/items/' + itemId;
    const versions = await api('GET', base + '/versions');
    blobs.splice(0).forEach((url) => URL.revokeObjectURL(url));
    const figures = await Promise.all(versions.versions.map(async (v) => {
      const fig = el('figure', null, 'version' + (v.current ? ' current' : ''));
      fig.dataset.version = v.version;
      const response = await fetch(base + '/versions/' + v.version + '/image', {
        headers: { Authorization: 'Bearer ' + apiKey }, cache: 'no-store', credentials: 'omit'
      });
      if (response.ok) {
        const url = URL.createObjectURL(await response.blob());
        blobs.push(url);
        const img = el('img');
        img.alt = 'version ' + v.version;
        img.src = url;
        fig.append(img);
      }
      const caption = el('figcaption');
      caption.append(el('div', 'version ' + v.version + (v.current ? ' (shown)' : '')),
        el('div', v.instruction || 'generated', 'muted'), el('div', v.model, 'muted'));
      if (!v.current) {
        caption.append(button('Restore', 'restore', async () => {
          try {
            await api('POST', base + '/versions/' + v.version + '/restore');
            await showVersions();
          } catch (e) {
            $('edit-status').textContent = 'Restore failed: ' + e.message;
          }
        }));
      }
      fig.append(caption);
      return fig;
    }));
    $('versions').replaceChildren(...figures);
  }

  async function submitEdit(event) {
    event.preventDefault();
    if (!editing) return;
    const { batchId, itemId } = editing;
    const base = '/v1/batches/' + batchId + '/items/' + itemId;
    const instruction = $('edit-instruction').value;
    try {
      const edit = await api('POST', base + '/edits', { instruction });
      $('edit-status').textContent = 'Edit ' + edit.turn + ' queued on ' + edit.model + '…';
      for (let i = 0; i < 240; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const all = await api('GET', base + '/edits');
        const now = all.edits.find((e) => e.editId === edit.editId);
        if (now && now.state !== 'PENDING') {
          $('edit-status').textContent = 'Edit ' + now.turn + ': ' + now.state
            + (now.errorMessage ? ' — ' + now.errorMessage : '') + ' (' + money(now.costUsd) + ')';
          $('edit-instruction').value = '';
          await showVersions();
          return;
        }
      }
      $('edit-status').textContent = 'The edit is still running; reopen the item later.';
    } catch (e) {
      $('edit-status').textContent = 'Edit refused: ' + e.message;
    }
  }

  async function act(method, path, body) {
    try {
      await api(method, path, body);
      Object.keys(shown).forEach((k) => delete shown[k]);
      $('item-detail').hidden = true;
      await refresh();
    } catch (e) {
      $('status').textContent = 'Failed: ' + e.message;
    }
  }
})();
