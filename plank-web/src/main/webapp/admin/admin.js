// Plank's admin page. Counters come from polling the JSON resources (/api/status for everyone, /api/sessions and
// /api/tables from the admin API); the event inspector is live, through plank.js's WebSocket. Everything shown that
// comes from the server (table names, filters, rows, roles) goes into the page as text nodes, never as HTML.
// The bearer token lives in this tab's sessionStorage only: sent as a header and as the WebSocket's auth message,
// never put into a URL.
(() => {
    'use strict';

    const REFRESH_MS = 1500;
    const EVENTS_KEPT = 200;
    const CONFIRM_MS = 4000;
    const api = path => new URL('../api/' + path, location.href);
    const $ = id => document.getElementById(id);

    /** An element with attributes (properties, so never parsed as HTML) and children (strings become text nodes). */
    function h(tag, props, ...children) {
        const element = document.createElement(tag);
        for (const [key, value] of Object.entries(props || {})) {
            if (key === 'dataset') Object.assign(element.dataset, value);
            else if (value !== undefined && value !== null) element[key] = value;
        }
        element.append(...children.flat(Infinity).filter(child => child !== null && child !== undefined && child !== false)
            .map(child => child instanceof Node ? child : document.createTextNode(String(child))));
        return element;
    }

    // ---- formatting

    const integer = new Intl.NumberFormat('en');
    const decimal = new Intl.NumberFormat('en', {maximumFractionDigits: 1});
    const precise = new Intl.NumberFormat('en', {maximumFractionDigits: 2});
    const count = n => n === undefined || n === null ? '–' : integer.format(n);
    const ms = n => n === undefined || n === null ? '–' : precise.format(n) + ' ms';

    function bytes(n) {
        if (n === undefined || n === null) return '–';
        const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
        let unit = 0;
        while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit++; }
        return decimal.format(n) + ' ' + units[unit];
    }

    function duration(millis) {
        const s = Math.max(0, Math.round(millis / 1000));
        if (s < 60) return s + ' s';
        if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
        if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min';
        return Math.floor(s / 86400) + ' d ' + Math.floor(s % 86400 / 3600) + ' h';
    }

    /** Characters of JSON waiting to be sent (Java's count, which is what Plank's limits are in). */
    function chars(n) {
        if (n === undefined || n === null) return '–';
        if (n < 10_000) return integer.format(n) + ' chars';
        return n < 10_000_000 ? decimal.format(n / 1000) + 'k chars' : decimal.format(n / 1_000_000) + 'M chars';
    }

    const ago = iso => iso ? duration(Date.now() - Date.parse(iso)) + ' ago' : '–';
    const minutes = m => m % 1440 === 0 ? (m / 1440) + (m === 1440 ? ' day' : ' days') : m % 60 === 0 ? (m / 60) + ' h' : m + ' min';
    const clock = date => date.toLocaleTimeString('en-GB', {hour12: false}) + '.' + String(date.getMilliseconds()).padStart(3, '0');

    // ---- the bearer token

    const token = PlankToken.get; // ../token.js, shared with the test page

    // ---- talking to the API

    /** An error with the API's problem: its status, title and detail, as the page shows them. */
    class Problem extends Error {
        constructor(status, text) {
            super(text);
            this.status = status;
        }
    }

    /** What a 401 or 403 of the admin API means for the person at the page; null for other problems. */
    function refusal(problem) {
        if (problem.status === 401) {
            return token()
                ? 'Plank refused this token (' + problem.message + '): sign in with a fresh token that has the plank-admin role'
                : 'Sign in with a token that has the plank-admin role (the "Bearer token" field above)';
        }
        if (problem.status === 403) {
            if (/admin API is off/i.test(problem.message)) return 'The admin API is off (plank.admin.enabled)';
            return token() ? 'This token lacks the plank-admin role (' + problem.message + ')'
                : 'Sign in with a token that has the plank-admin role (' + problem.message + ')';
        }
        return null;
    }

    async function request(method, path, body) {
        let response;
        const bearer = token();
        try {
            response = await fetch(api(path), {
                method,
                headers: {
                    'Accept': 'application/json, application/problem+json',
                    ...(body ? {'Content-Type': 'application/json'} : {}),
                    ...(bearer ? {'Authorization': 'Bearer ' + bearer} : {})
                },
                body: body ? JSON.stringify(body) : undefined,
                cache: 'no-store'
            });
        } catch (e) {
            throw new Problem(0, 'Plank cannot be reached (' + e.message + ')');
        }
        if (response.ok) return response.status === 204 ? null : response.json();
        const problem = await response.json().catch(() => ({}));
        const title = problem.title || response.statusText || 'Error';
        const fields = (problem.violations || []).map(v => v.field + ' ' + v.message).join('; ');
        throw new Problem(response.status, response.status + ' ' + title + (problem.detail ? ': ' + problem.detail : '')
            + (fields ? ' (' + fields + ')' : ''));
    }

    function show(id, problem) {
        const element = $(id);
        element.hidden = !problem;
        element.textContent = problem ? problem.message || String(problem) : '';
    }

    // ---- admin API on or off (or refused to this caller): learnt from its answers

    let adminOff = false;

    function setAdminOff(off, why) {
        adminOff = off;
        for (const id of ['capture-name', 'capture-mode', 'capture-button']) $(id).disabled = off;
        if (off) $('access-editor').hidden = true;
        const banner = $('banner');
        if (off) {
            banner.className = 'banner';
            banner.textContent = 'Read-only: ' + why + '. Capturing, releasing, access and sessions need the admin API.';
            banner.hidden = false;
        } else if (banner.dataset.kind !== 'status') {
            banner.hidden = true;
        }
    }

    // ---- rows kept in place across refreshes (buttons keep their state, nothing flickers)

    function sync(tbody, items, key, create, update, emptyText, columns) {
        const existing = new Map([...tbody.children].filter(row => row.dataset.key !== undefined).map(row => [row.dataset.key, row]));
        const rows = items.map(item => {
            const k = key(item);
            let row = existing.get(k);
            existing.delete(k);
            if (!row) {
                row = create(item);
                row.dataset.key = k;
            }
            update(row, item);
            return row;
        });
        if (rows.length === 0) rows.push(h('tr', {}, h('td', {className: 'empty', colSpan: columns}, emptyText)));
        tbody.replaceChildren(...rows);
    }

    /** A button that asks for a second click within a few seconds before doing anything. */
    function confirmButton(label, confirmLabel, action) {
        const button = h('button', {type: 'button', className: 'danger'}, label);
        let timer = null;
        button.onclick = async () => {
            if (!timer) {
                button.textContent = confirmLabel;
                button.classList.add('confirm');
                timer = setTimeout(reset, CONFIRM_MS);
                return;
            }
            reset();
            button.disabled = true;
            try { await action(); } finally { button.disabled = false; }
        };
        function reset() {
            clearTimeout(timer);
            timer = null;
            button.textContent = label;
            button.classList.remove('confirm');
        }
        return button;
    }

    function definitions(dl, entries) {
        dl.replaceChildren(...entries.flatMap(([term, value, warn]) =>
            [h('dt', {}, term), h('dd', {className: warn ? 'warn' : '', dataset: {term}}, value)]));
    }

    // ---- status: the cards and the captured tables

    let knownTables = [];

    function renderStatus(status) {
        const listener = status.listener;
        const state = $('listener-state');
        state.textContent = listener.state;
        state.className = 'badge ' + (listener.state === 'LISTENING' ? 'ok' : listener.state === 'STOPPED' ? 'bad' : '');
        definitions($('listener'), [
            ['last seq handed on', count(listener.last_seq)],
            ['lag', count(listener.lag) + (listener.lag === 1 ? ' change' : ' changes'), listener.lag > 0],
            ['reconnects', count(listener.reconnects)],
            ['notifications', count(listener.notifications_received)],
            ['last notification', ago(listener.last_notification_at)],
            ['last error', listener.last_error || 'none', !!listener.last_error],
            ['capture', listener.capture_method + (listener.capture_fallback ? ': ' + listener.capture_fallback : ''),
                !!listener.capture_fallback]
        ]);
        const log = status.change_log;
        definitions($('log'), [
            ['entries (estimate)', count(log.approximate_rows)],
            ['size', bytes(log.bytes)],
            ['seq', log.oldest_seq ? count(log.oldest_seq) + ' – ' + count(log.newest_seq) : 'empty (newest ' + count(log.newest_seq) + ')'],
            ['oldest kept', ago(log.oldest_at)],
            ['pruned through', count(log.pruned_through)],
            ['retention', minutes(log.retention_minutes) + ', at most ' + count(log.max_rows) + ' entries']
        ]);
        const sessions = status.sessions;
        definitions($('delivery'), [
            ['sessions', count(sessions.open)],
            ['changes received', count(status.changes_received)],
            ['messages delivered', count(sessions.messages_delivered)],
            ['closed as too slow', count(sessions.closed_too_slow), sessions.closed_too_slow > 0],
            ['fell behind, read from the log', count(sessions.fell_behind)],
            ['refused over the admission rate', count(sessions.refused_admission), sessions.refused_admission > 0],
            ['backlog', chars(sessions.backlog_chars) + ' of ' + chars(sessions.backlog_limit_chars)]
        ]);

        const tables = Object.entries(status.tables).map(([name, table]) => ({name, ...table}));
        $('tables-count').textContent = tables.length;
        sync($('tables').tBodies[0], tables, table => table.name, createTableRow, updateTableRow, 'No table is captured.', 11);
        offerTables(tables.map(table => table.name));
    }

    function createTableRow(table) {
        const row = h('tr', {dataset: {table: table.name}},
            h('td', {className: 'name'}, table.name), h('td', {className: 'mode'}), h('td', {className: 'access'}),
            ...['subscribers', 'rate', 'p50', 'p99', 'max', 'changes', 'delivered'].map(name => h('td', {className: 'num ' + name})),
            h('td', {className: 'actions'},
                confirmButton('Release', 'Release ' + table.name + '?', () => release(table.name)), ' ',
                h('button', {type: 'button', className: 'edit-access', onclick: () => editAccess(table.name)}, 'Access…')));
        return row;
    }

    function updateTableRow(row, table) {
        const cell = name => row.querySelector('td.' + name);
        cell('mode').replaceChildren(h('span', {className: 'badge ' + table.mode}, table.mode));
        cell('subscribers').textContent = count(table.subscribers);
        cell('rate').textContent = decimal.format(table.changes_per_second);
        const latency = table.delivery_latency_ms;
        for (const p of ['p50', 'p99', 'max']) cell(p).textContent = latency.frames ? ms(latency[p]) : '–';
        cell('p50').title = latency.frames ? count(latency.frames) + ' frames in the last ' + latency.window_s + ' s' : 'nothing sent in the last ' + latency.window_s + ' s';
        cell('changes').textContent = count(table.changes);
        cell('delivered').textContent = count(table.frames_queued);
        renderAccess(cell('access'), table.name);
        const edit = row.querySelector('td.actions button.edit-access');
        edit.hidden = !access.has(table.name);
        edit.disabled = adminOff;
        row.querySelector('td.actions button.danger').disabled = adminOff;
    }

    async function release(table) {
        show('tables-problem', null);
        try {
            await request('DELETE', 'tables/' + encodeURIComponent(table));
            note('Released ' + table + '.');
            refresh();
        } catch (problem) {
            show('tables-problem', problem);
        }
    }

    $('capture').onsubmit = async event => {
        event.preventDefault();
        show('tables-problem', null);
        const name = $('capture-name').value.trim();
        const mode = $('capture-mode').value;
        try {
            const captured = await request('PUT', 'tables/' + encodeURIComponent(name), {mode});
            note('Captured ' + captured.table + ' (' + captured.mode + ').');
            $('capture-name').value = '';
            refresh();
        } catch (problem) {
            show('tables-problem', problem);
        }
    };

    let noteTimer = null;

    function note(text) {
        const element = $('tables-note');
        element.textContent = text;
        element.hidden = false;
        clearTimeout(noteTimer);
        noteTimer = setTimeout(() => { element.hidden = true; }, 5000);
    }

    // ---- sessions

    function renderSessions(sessions, emptyText) {
        $('sessions-count').textContent = emptyText ? '' : sessions.length;
        sync($('sessions').tBodies[0], sessions, session => session.id, createSessionRow, updateSessionRow, emptyText || 'No open sessions.', 7);
    }

    function createSessionRow(session) {
        return h('tr', {dataset: {session: session.id}},
            h('td', {className: 'mono id', title: session.id}, session.id.length > 12 ? session.id.substring(0, 12) + '…' : session.id,
                session.transport === 'event-stream' ? [' ', h('span', {className: 'badge plain', title: 'Server-Sent Events'}, 'event stream')] : null),
            h('td', {className: 'connected'}), h('td', {className: 'subscriptions'}),
            h('td', {className: 'num queued'}), h('td', {className: 'num backlog'}), h('td', {className: 'num waiting'}),
            h('td', {className: 'actions'},
                confirmButton('Disconnect', 'Disconnect?', () => disconnect(session.id))));
    }

    function updateSessionRow(row, session) {
        const cell = name => row.querySelector('td.' + name);
        cell('connected').replaceChildren(ago(session.opened_at));
        cell('connected').title = session.opened_at + (session.batches ? ' (takes batches)' : '');
        cell('subscriptions').replaceChildren(session.subscriptions.length === 0 ? h('span', {className: 'muted'}, 'none')
            : h('div', {className: 'subs'}, session.subscriptions.map(sub => h('span', {className: 'sub', title: 'last seq ' + sub.last_seq},
                h('span', {className: 'table'}, sub.table),
                sub.filter ? h('span', {className: 'filter mono'}, sub.filter) : null,
                sub.sub ? h('span', {className: 'id'}, sub.sub) : null,
                sub.live ? null : h('span', {className: 'badge'}, 'catching up')))));
        cell('queued').textContent = count(session.queued);
        cell('backlog').textContent = chars(session.backlog_chars);
        cell('waiting').textContent = session.waiting_ms ? duration(session.waiting_ms) : '–';
        cell('waiting').classList.toggle('warn', session.waiting_ms > 5000);
        row.querySelector('td.actions button').disabled = adminOff;
    }

    async function disconnect(id) {
        show('sessions-problem', null);
        try {
            await request('DELETE', 'sessions/' + encodeURIComponent(id));
            refresh();
        } catch (problem) {
            show('sessions-problem', problem);
        }
    }

    // ---- polling

    let refreshing = null;

    function refresh() {
        // Access first: the table rows that the status draws show it.
        if (!refreshing) refreshing = refreshAccess().then(() => Promise.all([refreshStatus(), refreshSessions()])).finally(() => { refreshing = null; });
        return refreshing;
    }

    async function refreshStatus() {
        const banner = $('banner');
        try {
            renderStatus(await request('GET', 'status'));
            $('updated').textContent = 'updated ' + clock(new Date());
            if (banner.dataset.kind === 'status') {
                delete banner.dataset.kind;
                banner.hidden = !adminOff;
                if (adminOff) setAdminOff(true, adminOffReason);
            }
        } catch (problem) {
            banner.dataset.kind = 'status';
            banner.className = 'banner bad';
            banner.textContent = 'Status unavailable: ' + problem.message;
            banner.hidden = false;
        }
    }

    let adminOffReason = '';

    async function refreshSessions() {
        try {
            renderSessions(await request('GET', 'sessions'));
            show('sessions-problem', null);
            if (adminOff) setAdminOff(false);
        } catch (problem) {
            const why = refusal(problem);
            if (why) {
                if (!adminOff || why !== adminOffReason) {
                    adminOffReason = why;
                    setAdminOff(true, why);
                }
                renderSessions([], why + '.');
                show('sessions-problem', null);
                return;
            }
            show('sessions-problem', problem);
        }
    }

    // ---- access: grants and row bindings, from /api/tables (absent on a server without them: nothing shown)

    let access = new Map();

    async function refreshAccess() {
        try {
            const tables = await request('GET', 'tables');
            access = new Map(tables.filter(table => Array.isArray(table.read) || Array.isArray(table.write) || 'binding' in table)
                .map(table => [table.table, {read: table.read || [], write: table.write || [], binding: table.binding || null}]));
        } catch (problem) {
            access = new Map(); // refused or away: the sessions' refresh says why
        }
    }

    function renderAccess(cell, name) {
        const entry = access.get(name);
        if (!entry) {
            cell.replaceChildren();
            return;
        }
        const roles = list => list.length ? list.join(', ') : h('span', {className: 'muted'}, 'nobody');
        const line = (kind, label, ...value) => h('span', {className: 'grant ' + kind}, h('span', {className: 'label'}, label), ' ', ...value);
        const lines = [line('read', 'read', roles(entry.read)), line('write', 'write', roles(entry.write))];
        if (entry.binding) lines.push(line('binding', 'rows', entry.binding.column + ' = claim ' + entry.binding.claim));
        cell.replaceChildren(...lines); // not a null among them: the DOM would show it as the text "null"
    }

    let editing = null;

    function editAccess(name) {
        const entry = access.get(name);
        if (!entry) return;
        editing = name;
        $('access-table').textContent = name;
        $('grants-read').value = entry.read.join(', ');
        $('grants-write').value = entry.write.join(', ');
        $('binding-column').value = entry.binding ? entry.binding.column : '';
        $('binding-claim').value = entry.binding ? entry.binding.claim : '';
        show('access-problem', null);
        $('access-editor').hidden = false;
    }

    const roleList = text => text.split(',').map(role => role.trim()).filter(role => role !== '');

    async function changeAccess(method, path, body, done) {
        show('access-problem', null);
        const table = editing;
        try {
            await request(method, 'tables/' + encodeURIComponent(table) + '/' + path, body);
            note(done + ' ' + table + '.');
            await refreshAccess(); // not a poll that may have read before the change
            if (editing === table) editAccess(table);
            refresh();
        } catch (problem) {
            show('access-problem', refusal(problem) || problem.message);
        }
    }

    $('grants-form').onsubmit = event => {
        event.preventDefault();
        changeAccess('PUT', 'grants', {read: roleList($('grants-read').value), write: roleList($('grants-write').value)}, 'Replaced the grants of');
    };
    $('binding-form').onsubmit = event => {
        event.preventDefault();
        changeAccess('PUT', 'binding', {column: $('binding-column').value.trim(), claim: $('binding-claim').value.trim()}, 'Bound the rows of');
    };
    $('binding-remove').onclick = () => changeAccess('DELETE', 'binding', undefined, 'Removed the row binding of');
    $('access-close').onclick = () => {
        editing = null;
        $('access-editor').hidden = true;
    };

    // ---- the live connection and the event inspector

    const plank = Plank.connect('../ws', {token: () => token()});
    const connection = $('connection');

    plank.on('frame', frame => {
        if (frame.type === 'authenticated') $('token-state').textContent = 'as ' + String(frame.sub);
    });
    plank.on('error', error => {
        if (error.code === 'invalid_token') show('inspect-problem', 'The WebSocket refused the token: ' + error.message);
    });

    /** A new token (or none): the API uses it from the next request, the WebSocket from a new connection, resuming. */
    function tokenChanged() {
        $('token-state').textContent = '';
        show('inspect-problem', null);
        plank.disconnect();
        plank.connect();
        refresh();
    }

    PlankToken.bindForm(tokenChanged);

    function showState(state) {
        const stopped = state === 'closed' || state === 'failed';
        connection.textContent = 'WebSocket ' + state + (stopped ? ' · reconnect' : '');
        connection.className = 'pill ' + state;
        connection.style.cursor = stopped ? 'pointer' : '';
    }

    // A connection that is not retried by itself (closed, or failed: e.g. disconnected here from the sessions list).
    connection.onclick = () => { if (plank.state === 'closed' || plank.state === 'failed') plank.connect(); };

    showState(plank.state);
    plank.on('state', event => showState(event.state));

    let watching = null;
    let paused = false;
    let skipped = 0;

    function offerTables(names) {
        if (names.join('\n') === knownTables.join('\n')) return;
        knownTables = names;
        const select = $('inspect-table');
        const chosen = select.value;
        select.replaceChildren(...names.map(name => h('option', {value: name}, name)));
        if (names.includes(chosen)) select.value = chosen;
    }

    function status(...parts) {
        $('inspect-status').replaceChildren(h('span', {}, parts));
    }

    function stopWatching() {
        const stopping = watching;
        watching = null; // first: the 'end' its unsubscribe emits is then not taken for the server's
        if (stopping) stopping.unsubscribe();
        $('stop').disabled = $('pause').disabled = true;
    }

    $('inspect').onsubmit = event => {
        event.preventDefault();
        stopWatching();
        show('inspect-problem', null);
        const table = $('inspect-table').value;
        const filter = $('inspect-filter').value.trim();
        if (!table) {
            show('inspect-problem', 'Pick a table first: none is captured yet.');
            return;
        }
        const described = [h('strong', {}, table), filter ? [' where ', h('code', {}, filter)] : ''];
        status('Asking to watch ', described, '…');
        const subscription = plank.subscribe({table, filter: filter || undefined});
        watching = subscription;
        $('stop').disabled = $('pause').disabled = false;
        paused = false;
        $('pause').textContent = 'Pause';
        subscription.on('subscribed', event => {
            if (watching === subscription) status('Watching ', described, event.seq !== undefined ? ' from seq ' + count(event.seq) : '', '.');
        });
        for (const type of ['change', 'leave', 'enter']) subscription.on(type, change => received(subscription, change));
        subscription.on('reset', reset => status('Reset: ', reset.reason));
        subscription.on('error', error => {
            if (watching !== subscription) return;
            show('inspect-problem', error.code + ': ' + error.message + (error.retrying ? ' (trying again)' : ''));
            if (!error.retrying) status('Not watching.');
        });
        subscription.on('end', end => {
            if (watching === subscription) {
                status('Stopped watching ', described, ': ', end.reason, '.');
                stopWatching();
            }
        });
    };

    function received(subscription, change) {
        if (subscription !== watching) return;
        if (paused) {
            skipped++;
            $('pause').textContent = 'Resume (' + skipped + ' skipped)';
            return;
        }
        const data = change.truncated ? '(too large for a notification: read it by its key)' : JSON.stringify(change.data);
        const row = h('tr', {className: 'fresh', dataset: {seq: change.seq ?? '', action: change.action}},
            h('td', {className: 'mono', title: change.at ? 'changed at ' + change.at : ''}, clock(new Date())),
            h('td', {className: 'num seq'}, change.seq === undefined ? '–' : count(change.seq)),
            h('td', {className: 'num tx', title: change.tx === undefined ? '' : change.txLast ? 'its last change to the table' : 'more of it follows'},
                change.tx === undefined ? '–' : String(change.tx) + (change.txLast ? ' ▪' : '')),
            h('td', {className: 'action'}, h('span', {className: 'badge ' + change.action}, change.action),
                change.type === 'change' ? null : [' ', h('span', {className: 'badge plain'}, change.type)]),
            h('td', {className: 'mono key'}, JSON.stringify(change.id)),
            h('td', {className: 'row'}, h('code', {title: 'click to expand'}, data)));
        row.querySelector('td.row code').onclick = () => row.classList.toggle('open');
        const tbody = $('events').tBodies[0];
        tbody.prepend(row);
        while (tbody.rows.length > EVENTS_KEPT) tbody.lastElementChild.remove();
    }

    $('stop').onclick = () => {
        const table = watching && watching.table;
        stopWatching();
        status('Stopped watching ', h('strong', {}, table || ''), '.');
    };
    $('pause').onclick = () => {
        paused = !paused;
        skipped = 0;
        $('pause').textContent = paused ? 'Resume' : 'Pause';
    };
    $('clear').onclick = () => $('events').tBodies[0].replaceChildren();

    refresh();
    setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
})();
