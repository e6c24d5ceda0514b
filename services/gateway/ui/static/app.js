// Ruche workspace: the little JavaScript the pages need (no inline script:
// the Content-Security-Policy allows only this file and htmx). htmx does
// the requests and swaps; this file adds the CSRF header, the keyboard,
// the selection, labels, saved views, live arrivals and countdowns.
"use strict";
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)ruche_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  };
  // htmx settles a swapped element's class and size, not its style: it
  // would copy a style attribute the browser put on the old element (an
  // input once filled) as inline style, which the policy refuses.
  htmx.config.attributesToSettle = ["class", "width", "height"];
  // The inbox is live and private: htmx keeps no copy of it in the
  // session's storage (hx-history="false"), and going back loads it again.
  htmx.config.refreshOnHistoryMiss = true;
  // Every htmx request carries the session's CSRF token (double submit).
  document.addEventListener("htmx:configRequest", (ev) => {
    ev.detail.headers["X-Csrf-Token"] = csrf();
  });
  // A refused or failed request says why in the live region.
  const toast = (text) => {
    const t = $("#toast");
    if (!t) return;
    t.textContent = text;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.textContent = ""; }, 6000);
  };
  document.addEventListener("htmx:responseError", (ev) => {
    toast(ev.detail.xhr.responseText || ev.detail.xhr.statusText);
  });
  document.addEventListener("htmx:sendError", () => toast("network error / erreur réseau"));
  document.addEventListener("ruche:toast", (ev) => toast(ev.detail.value));
  // A form refused (422) comes back with its message and the field it
  // names: it replaces the form, and the field takes the focus.
  document.addEventListener("htmx:beforeSwap", (ev) => {
    if (ev.detail.xhr.status === 422) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", (ev) => {
    // detail.elt is the form that came back (a form's .id may be its
    // input named "id": never read it).
    const form = ev.detail.elt;
    if (form?.classList?.contains("add-form")) ($("[aria-invalid='true']", form) || $("#invite-link", form))?.focus();
  });

  // Theme: the system's unless chosen; the choice is a cookie so the
  // server renders it without a flash.
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest("#theme-toggle")) return;
    const root = document.documentElement;
    const dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    document.cookie = "ruche_theme=" + root.dataset.theme + "; path=/; max-age=31536000; samesite=lax";
  });

  const inbox = $("#inbox");
  window.ruche = { csrf, toast };
  if (!inbox) return;

  // ---- The stream: selection, item, decisions ----
  const brand = inbox.dataset.brand;
  const stream = $("#stream");
  const detail = $("#detail");
  const rows = () => $$("#stream .item");
  const current = () => $("#stream .item[aria-selected='true']");
  const rowOf = (id) => rows().find((r) => r.dataset.id === id);
  const panelId = () => $(".item-panel", detail)?.dataset.id;

  // Item panels are kept a short while by id, so that a move shows the
  // next item at once: the selected row's neighbours (the next two, the
  // previous one) are fetched ahead, one at a time and at low priority,
  // and a panel shown from the cache is fetched again once the selection
  // rests on it (restMs: rows skimmed past cost the server nothing more)
  // and the fresh one swapped in, so the lock and the SLA are never shown
  // stale for longer than that. A panel is dropped when its item changes
  // here (a decision, a label, a claim, an arrival) and after panelAge.
  // A row whose panel is kept says so (data-ahead).
  const panelAge = 20000;
  const restMs = 300;
  const panels = new Map(); // id → {html, at}
  const inflight = new Map(); // id → {ctrl, promise, low}
  const epochs = new Map(); // id → count of invalidations: a fetch started before one is not kept
  const forget = (id) => {
    panels.delete(id);
    rowOf(id)?.removeAttribute("data-ahead");
  };
  const invalidate = (id) => {
    forget(id);
    epochs.set(id, (epochs.get(id) || 0) + 1);
    inflight.get(id)?.ctrl.abort();
    inflight.delete(id);
  };
  const cachedPanel = (id) => {
    const p = panels.get(id);
    if (p && Date.now() - p.at < panelAge) return p;
    forget(id);
    return null;
  };
  // fetchPanel fetches one panel (or joins the fetch already under way).
  const fetchPanel = (id, url, low) => {
    const had = inflight.get(id);
    if (had) return had.promise;
    const ctrl = new AbortController();
    const epoch = epochs.get(id) || 0;
    const promise = fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" }, signal: ctrl.signal, priority: low ? "low" : "high" })
      .then(async (resp) => {
        const html = await resp.text();
        if (!resp.ok) throw new Error(html || resp.statusText);
        if ((epochs.get(id) || 0) === epoch) {
          panels.delete(id);
          panels.set(id, { html, at: Date.now() });
          rowOf(id)?.setAttribute("data-ahead", "");
          if (panels.size > 12) forget(panels.keys().next().value);
        }
        return html;
      })
      .finally(() => { if (inflight.get(id)?.ctrl === ctrl) inflight.delete(id); });
    inflight.set(id, { ctrl, promise, low });
    return promise;
  };
  // The panel shown, as the server wrote it.
  let shown = "";
  const render = (html) => {
    shown = html;
    detail.innerHTML = html;
    htmx.process(detail);
  };
  // A fresh panel replaces the one shown from the cache unless the
  // moderator is working in it (focus inside, the reply open): then only
  // its lock is brought up to date.
  const refresh = (id, html) => {
    if (panelId() !== id || html === shown) return;
    const working = detail.contains(document.activeElement) || $("#reply", detail)?.childElementCount;
    if (!working) { render(html); return; }
    const t = document.createElement("template");
    t.innerHTML = html;
    const lock = $("#lock", t.content);
    if (lock) $("#lock", detail)?.replaceChildren(...lock.childNodes);
  };
  const failed = (err) => { if (err.name !== "AbortError") toast(err.message); };

  // Fetches ahead, one at a time (beside the selected row's own fetch);
  // a new selection replaces the queue and stops the fetches it no longer
  // wants.
  let ahead = [];
  const pump = () => {
    if ([...inflight.values()].some((f) => f.low)) return;
    while (ahead.length) {
      const row = ahead.shift();
      if (!row.isConnected || cachedPanel(row.dataset.id) || inflight.has(row.dataset.id)) continue;
      fetchPanel(row.dataset.id, row.dataset.detail, true).catch(() => {}).finally(pump);
      return;
    }
  };
  const undecided = (r) => r && !$(".decision", r)?.textContent;
  const wantAround = (row) => {
    const all = rows();
    const i = all.indexOf(row);
    return [all[i + 1], all[i + 2], all[i - 1]].filter(undecided);
  };
  const keepOnly = (wanted) => {
    const ids = new Set(wanted.map((r) => r.dataset.id));
    for (const [id, f] of inflight) {
      if (!ids.has(id)) { f.ctrl.abort(); inflight.delete(id); }
    }
  };
  const fetchAhead = (rowsAhead) => {
    ahead = rowsAhead;
    pump();
  };

  // A move loads its item at once; moves less than 60 ms apart (a held j)
  // fetch only the last one, 60 ms after it. A panel in the cache is shown
  // at once whatever the pace, and fetched again when the selection rests.
  let loadTimer = 0;
  let lastSelect = -Infinity;
  const loadItem = (row) => {
    clearTimeout(loadTimer);
    const now = performance.now();
    const repeated = now - lastSelect < 60;
    lastSelect = now;
    const id = row.dataset.id;
    const around = wantAround(row);
    keepOnly([row, ...around]);
    const hit = cachedPanel(id);
    if (hit) render(hit.html);
    return new Promise((resolve) => {
      const load = () => {
        fetchPanel(id, row.dataset.detail, false)
          .then((html) => { if (current()?.dataset.id === id) (hit ? refresh(id, html) : render(html)); }, failed)
          .finally(() => { resolve(); if (!hit && current()?.dataset.id === id) fetchAhead(around); });
      };
      if (hit) {
        resolve();
        fetchAhead(around);
        loadTimer = setTimeout(load, restMs);
      } else if (repeated) loadTimer = setTimeout(load, 60);
      else load();
    });
  };
  const itemLoadedFor = (row) => row && panelId() === row.dataset.id;
  const ensureItem = async (row) => {
    if (!itemLoadedFor(row)) await loadItem(row);
  };
  const select = (row, focus = true) => {
    if (!row) return;
    const again = row === current();
    rows().forEach((r) => r.setAttribute("aria-selected", r === row ? "true" : "false"));
    stream.setAttribute("aria-activedescendant", row.id);
    if (focus) row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    if (!again || !(itemLoadedFor(row) || inflight.has(row.dataset.id))) loadItem(row);
  };
  const move = (delta) => {
    const all = rows();
    if (all.length === 0) return;
    const i = all.indexOf(current());
    select(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + delta))]);
  };
  // A row opens as the button goes down (the click comes later); a row
  // the pointer rests on is fetched ahead.
  const pointed = (ev) => {
    const row = ev.target.closest(".item");
    return row && !ev.target.closest("a, button") ? row : null;
  };
  stream.addEventListener("pointerdown", (ev) => {
    const row = ev.button === 0 && pointed(ev);
    if (row) select(row);
  });
  stream.addEventListener("click", (ev) => {
    const row = pointed(ev);
    if (row && row !== current()) select(row);
  });
  let hoverTimer = 0;
  stream.addEventListener("pointerover", (ev) => {
    clearTimeout(hoverTimer);
    const row = pointed(ev);
    if (row && row !== current()) hoverTimer = setTimeout(() => fetchAhead([row, ...ahead]), 80);
  });
  // A new page of the stream: its first rows are fetched ahead.
  const fetchFirst = () => {
    if (!current()) fetchAhead(rows().slice(0, 2).filter(undecided));
  };
  stream.addEventListener("htmx:afterSwap", fetchFirst);
  // A new list is asked for: the rows being fetched ahead are on their
  // way out, their fetches stop (the selected row's own goes on).
  $("#filter-form").addEventListener("htmx:beforeRequest", () => {
    ahead = [];
    keepOnly(current() ? [current()] : []);
  });

  const checked = () => $$("#stream .item.checked");
  const updateBulk = () => {
    const n = checked().length;
    const count = $("#bulk-count");
    count.textContent = n ? count.dataset.template.replace("0", String(n)) : "";
    $$("[data-bulk]").forEach((b) => { b.hidden = n === 0; });
  };

  // Decisions are shown at once: the row's badge says the decision
  // (pending until the server confirms it) and the next row is selected,
  // while the request goes out (its own fetch: no queue of htmx's can
  // drop it). A refusal puts the row back as it was, with the reason on
  // it and in the live region.
  const badge = (id) => rowOf(id)?.querySelector(".decision");
  const undo = new Map(); // id → {text, cls} of the badge before the decision, and the label shown
  const refuse = (id, message) => {
    const b = badge(id);
    const was = undo.get(id);
    undo.delete(id);
    if (b && was) { b.textContent = was.text; b.className = was.cls; }
    const row = rowOf(id);
    if (row) {
      let note = $(".refused", row);
      if (!note) {
        note = document.createElement("span");
        note.className = "refused badge neg";
        $(".meta", row).append(note);
      }
      note.textContent = message;
    }
  };
  const decide = async (decision, ids, extra = {}) => {
    if (ids.length === 0) return;
    for (const id of ids) {
      invalidate(id);
      const b = badge(id);
      if (b) {
        const label = inbox.dataset["decided" + decision[0].toUpperCase() + decision.slice(1)] || decision;
        undo.set(id, { ...(undo.get(id) || { text: b.textContent, cls: b.className }), label });
        b.textContent = label;
        b.className = "decision badge pos pending";
      }
      const row = rowOf(id);
      $(".refused", row)?.remove();
      row?.classList.remove("checked");
    }
    updateBulk();
    const body = new URLSearchParams(extra);
    ids.forEach((id) => body.append("id", id));
    body.set("decision", decision);
    let done = [];
    let message = "";
    try {
      const resp = await fetch("/inbox/decide?brand=" + encodeURIComponent(brand), {
        method: "POST", credentials: "same-origin", body,
        headers: { "X-Csrf-Token": csrf(), "HX-Request": "true" },
      });
      const text = await resp.text();
      if (resp.ok) {
        const trigger = (name) => { try { return JSON.parse(resp.headers.get(name) || "{}"); } catch { return {}; } };
        done = trigger("HX-Trigger-After-Swap")["ruche:decided"]?.ids || [];
        message = trigger("HX-Trigger")["ruche:toast"] || "";
        // The server's badges for what it recorded.
        const t = document.createElement("template");
        t.innerHTML = text;
        for (const el of Array.from(t.content.children)) {
          el.removeAttribute("hx-swap-oob");
          document.getElementById(el.id)?.replaceWith(el);
        }
      } else {
        message = text || resp.statusText;
      }
    } catch {
      message = "network error / erreur réseau";
    }
    for (const id of ids) {
      if (done.includes(id)) undo.delete(id);
      else refuse(id, message || "not recorded / non enregistré");
      invalidate(id);
    }
    if (message) toast(message);
  };
  // The decision on the current row (or the checked ones): the next row
  // is selected at once.
  const decideCurrent = (decision) => {
    const bulk = checked();
    if (bulk.length) return decide(decision, bulk.map((r) => r.dataset.id));
    const row = current();
    if (!row) return;
    const d = decide(decision, [row.dataset.id]);
    move(1);
    return d;
  };
  // A decision the server took from a form of the panel (assign): once
  // recorded, the next row is selected.
  document.addEventListener("ruche:decided", (ev) => {
    ev.detail.ids.forEach(invalidate);
    const row = current();
    if (row && ev.detail.ids.length === 1 && ev.detail.ids[0] === row.dataset.id) move(1);
  });
  $$("[data-bulk]").forEach((b) => b.addEventListener("click", () => decide(b.dataset.bulk, checked().map((r) => r.dataset.id))));
  // The panel's own decision buttons decide its item the same way.
  detail.addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-decide]");
    const id = panelId();
    if (!b || !id) return;
    decide(b.dataset.decide, [id]);
    if (current()?.dataset.id === id) move(1);
  });
  // Anything the panel posts (a claim, an assignment, a draft) changes
  // its item: its cached copy goes.
  detail.addEventListener("htmx:beforeRequest", (ev) => {
    if (ev.detail.requestConfig?.verb !== "get" && panelId()) invalidate(panelId());
  });
  // A stream swapped while decisions are on their way keeps showing them.
  stream.addEventListener("htmx:afterSwap", () => {
    for (const [id, u] of undo) {
      const b = badge(id);
      if (b && !b.textContent) { b.textContent = u.label; b.className = "decision badge pos pending"; }
    }
  });

  // ---- Keyboard ----
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  document.addEventListener("keydown", async (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const help = $("#help");
    if (ev.key === "Escape") {
      if (help.open || picker.open) return; // the dialog closes itself
      if (typing(document.activeElement)) document.activeElement.blur();
      (current() || stream).focus();
      return;
    }
    if (typing(ev.target) || help.open || picker.open) return;
    const row = current();
    switch (ev.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "Enter":
        if (!row || ev.target.closest("button, a")) return;
        await ensureItem(row);
        ($(".actions button", detail) || detail).focus();
        break;
      case "x":
        if (!row) return;
        row.classList.toggle("checked");
        updateBulk();
        break;
      case "e": decideCurrent("close"); break;
      case "h": decideCurrent("hide"); break;
      case "s": decideCurrent("spam"); break;
      case "a":
        if (!row) return;
        await ensureItem(row);
        $("#assign-to", detail)?.focus();
        break;
      case "r":
        if (!row) return;
        await ensureItem(row);
        $("[data-key='r']", detail)?.click();
        break;
      case "l":
        if (!row) return;
        openPicker(row);
        break;
      case "/": $("#f-q")?.focus(); break;
      case "?": help.showModal(); break;
      default: return;
    }
    ev.preventDefault();
  });
  // Enter in the assignee list assigns.
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && ev.target.id === "assign-to") {
      ev.preventDefault();
      $("#assign-btn")?.click();
    }
  });
  // A saved reply goes into the draft's text, to edit and save.
  document.addEventListener("click", (ev) => {
    const use = ev.target.closest("[data-use-reply]");
    if (!use) return;
    const text = use.closest(".draft")?.querySelector("textarea");
    if (!text) return;
    text.value = use.dataset.useReply;
    text.focus();
  });
  // After the reply panel opens, its text is ready to edit.
  document.body.addEventListener("htmx:afterSwap", (ev) => {
    if (ev.detail.target.id === "reply") $("textarea", ev.detail.target)?.focus();
    if (ev.detail.target === stream) { updateBulk(); }
  });

  // ---- Labels: the l key's picker corrects the current item's ----
  const picker = $("#label-picker");
  // The row's labels as moderation gave them, with the corrections since.
  const labelsOf = (row) => {
    const labels = new Set((row.dataset.labels || "").split(" ").filter(Boolean));
    for (const c of ($(".corrected", row)?.dataset.corrected || "").split(" ").filter(Boolean)) {
      if (c[0] === "+") labels.add(c.slice(1)); else labels.delete(c.slice(1));
    }
    return labels;
  };
  // "toxicity" names every "toxicity:<level or kind>" label.
  const hasLabel = (labels, l) => labels.has(l) || (l === "toxicity" && [...labels].some((x) => x.startsWith("toxicity:")));
  const openPicker = (row) => {
    const labels = labelsOf(row);
    picker.dataset.id = row.dataset.id;
    $$("[data-label]", picker).forEach((b) => b.setAttribute("aria-pressed", String(hasLabel(labels, b.dataset.label))));
    picker.showModal();
    $("[data-label]", picker).focus();
  };
  picker.addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-label]");
    const row = rows().find((r) => r.dataset.id === picker.dataset.id);
    if (!b || !row) return;
    const label = b.dataset.label;
    const labels = labelsOf(row);
    const values = { id: row.dataset.id };
    if (hasLabel(labels, label)) {
      values.remove = label;
    } else {
      values.add = label;
      // One sentiment at a time: the new one replaces the one it had.
      const had = [...labels].find((l) => l.startsWith("sentiment:") && l !== "sentiment:sarcasm");
      if (label.startsWith("sentiment:") && had) values.remove = had;
    }
    picker.close();
    invalidate(row.dataset.id);
    // Its own source: a correction never waits behind (or replaces) a
    // decision or an item load in htmx's queue.
    htmx.ajax("POST", "/inbox/label?brand=" + encodeURIComponent(brand), { source: b, target: b, swap: "none", values });
  });

  // ---- Saved views (the user's, per brand, kept by the server) ----
  const viewsURL = (name) => "/api/v1/views" + (name ? "/" + encodeURIComponent(name) : "") + "?brand=" + encodeURIComponent(brand);
  const api = async (method, url, body) => {
    const resp = await fetch(url, { method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Csrf-Token": csrf() }, body: body && JSON.stringify(body) });
    if (!resp.ok) {
      let msg = resp.statusText;
      try { const e = (await resp.json()).error; msg = (e.field ? e.field + ": " : "") + e.message; } catch { /* not JSON */ }
      toast(msg);
      throw new Error(msg);
    }
    return resp.json();
  };
  const drawViews = (items) => {
    $("#views").replaceChildren(...items.map((v) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/inbox?brand=" + encodeURIComponent(brand) + (v.query ? "&" + v.query : "");
      a.textContent = v.name;
      const del = document.createElement("button");
      del.type = "button";
      del.className = "link";
      del.textContent = "×";
      del.dataset.viewDelete = v.name;
      del.setAttribute("aria-label", "✕ " + v.name);
      li.append(a, " ", del);
      return li;
    }));
  };
  $("#views").addEventListener("click", async (ev) => {
    const del = ev.target.closest("[data-view-delete]");
    if (del) drawViews((await api("DELETE", viewsURL(del.dataset.viewDelete))).items);
  });
  $("#save-view").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const q = new URLSearchParams(new FormData($("#filter-form")));
    for (const [k, v] of Array.from(q.entries())) if (v === "" || k === "brand") q.delete(k);
    drawViews((await api("PUT", viewsURL(form.name.value), { query: q.toString() })).items);
    form.reset();
  });
  // Views this browser kept before the server did move there, once.
  const legacyKey = "ruche.views." + brand;
  let legacy = [];
  try { legacy = JSON.parse(localStorage.getItem(legacyKey)) || []; } catch { /* none */ }
  if (legacy.length) {
    (async () => {
      let items = null;
      for (const v of legacy) items = (await api("PUT", viewsURL(v.name), { query: v.query })).items;
      localStorage.removeItem(legacyKey);
      if (items) drawViews(items);
    })().catch(() => {});
  }

  // ---- Live arrivals (server-sent events) ----
  const live = $("#live");
  // Arrivals not yet in the list. Analytics stores an interaction a moment
  // after moderation announces it: a reload that misses one tries again.
  const pending = new Set();
  const showCount = () => {
    live.textContent = live.dataset.template.replace("0", String(pending.size));
    live.hidden = pending.size === 0;
  };
  const reload = (tries = 3) => {
    const q = new URLSearchParams(new FormData($("#filter-form")));
    const keep = current()?.dataset.id;
    htmx.ajax("GET", "/inbox/list?" + q.toString(), { source: stream, target: "#stream", swap: "innerHTML" }).then(() => {
      const again = rows().find((r) => r.dataset.id === keep);
      if (again) again.setAttribute("aria-selected", "true");
      rows().forEach((r) => { if (pending.delete(r.dataset.id)) r.classList.add("fresh"); });
      if (pending.size && tries > 1) setTimeout(() => reload(tries - 1), 1500);
      else { pending.clear(); showCount(); }
    });
  };
  live.addEventListener("click", () => reload());
  // An arrival goes straight to the top of the stream when the user sees
  // the top of an unfiltered stream; scrolled down, or under a filter it
  // may not match, it is counted instead (a row appearing would move what
  // is being read, or show what the filter leaves out).
  const filtered = () => Array.from(new FormData($("#filter-form")).entries()).some(([k, v]) => k !== "brand" && v !== "");
  const atTop = () => stream.scrollTop < 8 && window.scrollY < 8;
  const insertRow = async (id) => {
    const url = "/inbox/row?brand=" + encodeURIComponent(brand) + "&id=" + encodeURIComponent(id);
    // Analytics stores an interaction a moment after moderation announces
    // it: until then the row is 404, asked again a little later.
    for (let attempt = 1; attempt <= 4; attempt++) {
      if (rows().some((r) => r.dataset.id === id)) return true;
      const resp = await fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } });
      if (resp.ok) {
        const t = document.createElement("template");
        t.innerHTML = await resp.text();
        const row = t.content.querySelector(".item");
        if (row && !rows().some((r) => r.dataset.id === id)) {
          $(".empty", stream)?.remove();
          stream.prepend(row);
        }
        return true;
      }
      if (resp.status !== 404) return false;
      await new Promise((r) => setTimeout(r, 700 * attempt));
    }
    return false;
  };
  const arrived = async (id) => {
    if (!filtered() && atTop() && await insertRow(id)) return;
    if (rows().some((r) => r.dataset.id === id)) return;
    pending.add(id);
    showCount();
  };
  if (window.EventSource) {
    const es = new EventSource(inbox.dataset.events);
    es.addEventListener("arrival", (ev) => {
      let a;
      try { a = JSON.parse(ev.data); } catch { return; }
      invalidate(a.id);
      if (!rows().some((r) => r.dataset.id === a.id)) arrived(a.id);
    });
  }

  // ---- SLA countdowns: the server's text, kept current ----
  setInterval(() => {
    $$(".sla[data-due]").forEach((el) => {
      const left = Date.parse(el.dataset.due) - Date.now();
      el.classList.toggle("late", left < 0);
    });
  }, 30000);

  // ---- Opening on one item (/inbox?open=<id>) ----
  const open = new URLSearchParams(location.search).get("open");
  const first = rows().find((r) => r.dataset.id === open) || null;
  if (first) select(first);
  else fetchFirst();
  if (!first && open) htmx.ajax("GET", "/inbox/item?brand=" + encodeURIComponent(brand) + "&id=" + encodeURIComponent(open), { source: detail, target: "#detail" });
})();
