// pressure view: the page. It talks only to the server that served it (the CSP says so too):
// /api/meta once, /api/frames by index range (replay), /ws snapshots (live).
"use strict";

(() => {
  const token = new URLSearchParams(location.search).get("token");
  const $ = (id) => document.getElementById(id);
  const SIDES = ["left", "right"];
  const TRAIL_S = 1.0; // the CoP trail: the foot's last stride, or this long when not walking
  const TRAIL_MAX_S = 3.0;
  const CHUNK = 250; // replay frames per request

  function url(path, params) {
    const u = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params || {})) u.searchParams.set(k, String(v));
    if (token) u.searchParams.set("token", token);
    return u;
  }

  async function getJSON(path, params) {
    const r = await fetch(url(path, params));
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    return r.json();
  }

  async function post(path) {
    const r = await fetch(url(path), { method: "POST", headers: { "X-Pressure-View": "1" } });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || `${path}: ${r.status}`);
    return body;
  }

  // -- colours ---------------------------------------------------------------------------------
  // light grey at 0, then blue, cyan, green, yellow, red at the top of the scale
  const STOPS = [
    [0.0, [236, 239, 243]],
    [0.08, [49, 104, 196]],
    [0.3, [32, 178, 196]],
    [0.5, [70, 186, 82]],
    [0.72, [246, 214, 48]],
    [1.0, [214, 39, 40]],
  ];

  function colour(v, max) {
    const f = Math.max(0, Math.min(1, v / max));
    for (let i = 1; i < STOPS.length; i++) {
      if (f <= STOPS[i][0]) {
        const [f0, c0] = STOPS[i - 1];
        const [f1, c1] = STOPS[i];
        const t = (f - f0) / (f1 - f0 || 1);
        const c = c0.map((a, k) => Math.round(a + t * (c1[k] - a)));
        return `rgb(${c[0]},${c[1]},${c[2]})`;
      }
    }
    return "rgb(214,39,40)";
  }

  function fmt(v, digits) {
    return v === null || v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits);
  }

  // the smallest of 1, 2, 2.5, 5 × 10^k at or above v (a colour scale's top)
  function niceCeiling(v) {
    if (!(v > 0) || !Number.isFinite(v)) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
    return 10 * p;
  }

  // -- the pressure maps -----------------------------------------------------------------------
  const SCALE_W = 110;

  // feet: {left: layout, right: layout}; frame: {left: {values, trail: [[x,y]|null]}, ...};
  // sides: the feet to draw, side by side (both by default)
  function drawMaps(canvas, feet, frame, scaleMax, unitText, sides = SIDES) {
    const ctx = canvas.getContext("2d");
    const W = canvas.width;
    const H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const areaW = (W - SCALE_W) / sides.length;
    let length = 1;
    let width = 1;
    for (const side of sides) {
      const l = feet[side];
      if (!l) continue;
      length = Math.max(length, l.foot_length_mm);
      width = Math.max(width, l.foot_width_mm);
    }
    const s = Math.min((areaW - 30) / (width * 1.25), (H - 70) / (length * 1.02));
    sides.forEach((side, k) => {
      const cx = areaW * k + areaW / 2;
      const bottom = H - 22;
      ctx.fillStyle = "#1b1f24";
      ctx.font = "15px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText(side === "left" ? "Left" : "Right", cx, 20);
      const l = feet[side];
      if (!l) {
        ctx.fillStyle = "#7a828c";
        ctx.fillText("no data for this foot", cx, H / 2);
        return;
      }
      // foot frame: +x medial on both feet; seen from above, toes up, the left foot's medial
      // side is on its right, the right foot's on its left
      const sx = side === "left" ? s : -s;
      const X = (x) => cx + x * sx;
      const Y = (y) => bottom - (y - 0) * s;
      const yOff = (H - 70 - l.foot_length_mm * s) / 2;
      const Yc = (y) => Y(y) - yOff;
      if (l.outline_mm.length) {
        ctx.beginPath();
        l.outline_mm.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Yc(y)) : ctx.moveTo(X(x), Yc(y))));
        ctx.closePath();
        ctx.fillStyle = "#fafbfc";
        ctx.fill();
        ctx.strokeStyle = "#8a939d";
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
      const f = frame && frame[side];
      const values = f ? f.values : null;
      for (let i = 0; i < l.x_mm.length; i++) {
        const half = (l.size_mm[i] * s * 0.82) / 2;
        const v = values ? values[i] : null;
        ctx.fillStyle = v === null || v === undefined ? "#c9ced4" : colour(v, scaleMax);
        ctx.fillRect(X(l.x_mm[i]) - half, Yc(l.y_mm[i]) - half, 2 * half, 2 * half);
        ctx.strokeStyle = "rgba(0,0,0,0.25)";
        ctx.lineWidth = 1;
        ctx.strokeRect(X(l.x_mm[i]) - half, Yc(l.y_mm[i]) - half, 2 * half, 2 * half);
      }
      const trail = f ? f.trail || [] : [];
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.beginPath();
      let pen = false;
      let last = null;
      for (const p of trail) {
        if (!p) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(X(p[0]), Yc(p[1]));
        else ctx.moveTo(X(p[0]), Yc(p[1]));
        pen = true;
        last = p;
      }
      ctx.stroke();
      if (canvas.id === "maps") {
        // the CoP drawn last, for tests and for anyone reading the page's state
        const end = trail[trail.length - 1];
        document.body.dataset["cop" + (side === "left" ? "Left" : "Right")] = end ? `${end[0]},${end[1]}` : "";
      }
      if (last && trail[trail.length - 1]) {
        ctx.beginPath();
        ctx.arc(X(last[0]), Yc(last[1]), 5, 0, 2 * Math.PI);
        ctx.fillStyle = "#fff";
        ctx.fill();
        ctx.stroke();
      }
      if (!l.known) {
        ctx.fillStyle = "#7a828c";
        ctx.font = "12px system-ui, sans-serif";
        ctx.fillText("sensor positions not known: a plain grid", cx, H - 6);
      }
    });
    // the colour scale, labelled with the unit
    const x0 = W - SCALE_W + 30;
    const top = 40;
    const bottomY = H - 40;
    for (let y = top; y <= bottomY; y++) {
      ctx.fillStyle = colour(((bottomY - y) / (bottomY - top)) * scaleMax, scaleMax);
      ctx.fillRect(x0, y, 18, 1);
    }
    ctx.strokeStyle = "#8a939d";
    ctx.strokeRect(x0, top, 18, bottomY - top);
    ctx.fillStyle = "#1b1f24";
    ctx.textAlign = "left";
    ctx.font = "12px system-ui, sans-serif";
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      const y = bottomY - f * (bottomY - top);
      ctx.fillText(String(+(f * scaleMax).toPrecision(3)), x0 + 24, y + 4);
    }
    ctx.font = "bold 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(unitText, x0 + 9, top - 12);
  }

  // -- the load bars ---------------------------------------------------------------------------
  function drawShares(canvas, shareLeft, band, windowS) {
    const ctx = canvas.getContext("2d");
    const W = canvas.width;
    const H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const x0 = 70;
    const x1 = W - 70;
    const y = 14;
    const h = 26;
    const X = (pct) => x0 + ((x1 - x0) * pct) / 100;
    ctx.fillStyle = "#eef1f4";
    ctx.fillRect(x0, y, x1 - x0, h);
    if (shareLeft !== null && shareLeft !== undefined) {
      ctx.fillStyle = "#1f77b4";
      ctx.fillRect(x0, y, X(shareLeft) - x0, h);
      ctx.fillStyle = "#d62728";
      ctx.fillRect(X(shareLeft), y, x1 - X(shareLeft), h);
    }
    // the reference band of an even load, drawn over the bars
    ctx.strokeStyle = "#1a7f37";
    ctx.lineWidth = 2;
    ctx.fillStyle = "rgba(255,255,255,0.45)";
    ctx.fillRect(X(band[0]), y - 4, X(band[1]) - X(band[0]), h + 8);
    ctx.strokeRect(X(band[0]), y - 4, X(band[1]) - X(band[0]), h + 8);
    ctx.fillStyle = "#1b1f24";
    ctx.font = "13px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(`L ${fmt(shareLeft, 1)} %`, x0 - 6, y + 18);
    ctx.textAlign = "left";
    ctx.fillText(`${fmt(shareLeft === null ? null : 100 - shareLeft, 1)} % R`, x1 + 6, y + 18);
    ctx.textAlign = "center";
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText(
      `share of the load over each foot's latest whole strides (about ${windowS} s); band ${band[0]}–${band[1]} % (even)`,
      W / 2,
      H - 8
    );
  }

  // steps: {left, right} heel strikes so far (null: unknown); cadence in steps/min
  function showGait(steps, cadence) {
    $("steps-left").textContent = steps.left === null || steps.left === undefined ? "–" : String(steps.left);
    $("steps-right").textContent = steps.right === null || steps.right === undefined ? "–" : String(steps.right);
    $("cadence").textContent = fmt(cadence, 0);
  }

  // the first index of the sorted array whose value is at or above v
  function lowerBound(sorted, v) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // from the analysis' heel strikes up to t (strikes: per foot, sorted): each foot's count, and
  // the cadence from each foot's median stride of its last six (the live view's rule), null
  // when no foot has struck twice lately
  function gaitAt(strikes, t) {
    const steps = {};
    const strides = [];
    for (const side of SIDES) {
      const all = strikes[side] || [];
      const upto = lowerBound(all, t + 1e-9);
      steps[side] = upto;
      const last = all.slice(Math.max(0, upto - 7), upto);
      if (last.length < 2) continue;
      const d = last.slice(1).map((v, i) => v - last[i]).sort((a, b) => a - b);
      const m = d.length % 2 ? d[(d.length - 1) / 2] : (d[d.length / 2 - 1] + d[d.length / 2]) / 2;
      if (t - last[last.length - 1] <= 2 * m) strides.push(m);
    }
    const cadence = strides.length ? 120 / (strides.reduce((a, b) => a + b, 0) / strides.length) : null;
    return { steps, cadence };
  }

  function showStats(rates, shareLeft, lost, crc) {
    $("rate-left").textContent = fmt(rates.left, 0);
    $("rate-right").textContent = fmt(rates.right, 0);
    $("share-left").textContent = shareLeft === null ? "–" : `${fmt(shareLeft, 1)} %`;
    $("share-right").textContent = shareLeft === null ? "–" : `${fmt(100 - shareLeft, 1)} %`;
    $("frames-lost").textContent = String(lost);
    $("crc-errors").textContent = String(crc);
  }

  // -- replay ----------------------------------------------------------------------------------
  async function replay(meta) {
    $("replay-controls").hidden = false;
    $("steps-panel").hidden = false;
    $("source").textContent = `${meta.file} (${meta.format}), ${meta.duration_s.toFixed(1)} s at ${meta.rate_hz} Hz`;
    const n = meta.n_frames;
    $("frame-count").textContent = String(n);
    const seek = $("seek");
    seek.max = String(n - 1);
    const chunks = new Map(); // chunk index -> data, or a promise while loading
    let pos = 0; // the frame shown, fractional while playing
    let playing = false;
    let speed = 1;
    let shown = -1;
    let lastT = null;

    function chunk(k) {
      if (!chunks.has(k)) {
        chunks.set(
          k,
          getJSON("/api/frames", { start: k * CHUNK, count: CHUNK }).then(
            (data) => {
              chunks.set(k, data);
              return data;
            },
            (err) => {
              chunks.delete(k);
              throw err;
            }
          )
        );
      }
      const c = chunks.get(k);
      return c instanceof Promise ? null : c;
    }

    function frame(i) {
      const data = chunk(Math.floor(i / CHUNK));
      if (!data) return null;
      const j = i - data.start;
      const out = { time_s: data.time_s[j], share: data.share_left_pct ? data.share_left_pct[j] : null };
      for (const side of SIDES) {
        const f = data.feet[side];
        if (!f) continue;
        out[side] = { values: f.values[j], rate: f.rate[j], cop: f.cop[j] };
      }
      return out;
    }

    // the foot's latest stride up to frame i (s, from the analysis' heel strikes), or TRAIL_S
    function trailSeconds(i, side) {
      const all = strikeTimes[side] || [];
      const t = meta.start_s + i / meta.rate_hz;
      const k = lowerBound(all, t + 1e-9);
      if (k < 2) return TRAIL_S;
      const stride = all[k - 1] - all[k - 2];
      return t - all[k - 1] <= 2 * stride ? Math.min(stride, TRAIL_MAX_S) : TRAIL_S;
    }

    function trail(i, side) {
      const from = Math.max(0, i - Math.round(trailSeconds(i, side) * meta.rate_hz));
      const out = [];
      for (let k = from; k <= i; k++) {
        const data = chunks.get(Math.floor(k / CHUNK));
        if (!data || data instanceof Promise || !data.feet[side]) {
          out.push(null);
          continue;
        }
        out.push(data.feet[side].cop[k - data.start]);
      }
      return out;
    }

    function render(i) {
      const f = frame(i);
      if (!f) return false;
      for (const side of SIDES) if (f[side]) f[side].trail = trail(i, side);
      drawMaps($("maps"), meta.feet, f, meta.scale_max, meta.unit_text);
      drawShares($("shares"), f.share, meta.share_band_pct, meta.share_window_s);
      showStats(
        { left: f.left ? f.left.rate : null, right: f.right ? f.right.rate : null },
        f.share,
        meta.frames_lost,
        meta.crc_errors
      );
      if (meta.pending) showGait({ left: null, right: null }, null);
      else {
        const g = gaitAt(strikeTimes, f.time_s);
        showGait(g.steps, g.cadence);
      }
      $("frame-index").textContent = String(i);
      $("time").textContent = f.time_s.toFixed(2);
      seek.value = String(i);
      drawTimeline(f.time_s);
      markStep(f.time_s);
      shown = i;
      document.body.dataset.frame = String(i);
      return true;
    }

    // the timeline: each foot's heel strikes (tall) and toe offs (short), the position; the
    // whole recording when it is short, else the TIMELINE_S around the position
    const timeline = $("timeline");
    const TIMELINE_S = 30;
    function timelineSpan(t) {
      if (meta.duration_s <= TIMELINE_S) return [meta.start_s, Math.max(meta.duration_s, 1e-9)];
      const t0 = Math.min(Math.max(meta.start_s, t - TIMELINE_S / 2), meta.start_s + meta.duration_s - TIMELINE_S);
      return [t0, TIMELINE_S];
    }
    function drawTimeline(t) {
      const ctx = timeline.getContext("2d");
      const W = timeline.width;
      const H = timeline.height;
      const [t0, span] = timelineSpan(t);
      const X = (s) => ((s - t0) / span) * (W - 2) + 1;
      ctx.fillStyle = "#eef1f4";
      ctx.fillRect(0, 0, W, H);
      const colours = {
        left: { heel_strike: "#1f77b4", toe_off: "#9ecae9" },
        right: { heel_strike: "#d62728", toe_off: "#f5a3a3" },
      };
      const times = meta.eventTimes || [];
      for (let k = lowerBound(times, t0); k < times.length && times[k] <= t0 + span; k++) {
        const e = meta.events[k];
        const top = e.side === "left" ? 2 : H / 2 + 1;
        const h = e.kind === "heel_strike" ? H / 2 - 3 : (H / 2 - 3) / 2;
        ctx.fillStyle = colours[e.side][e.kind];
        ctx.fillRect(Math.round(X(e.time_s)) - 1, top, 2, h);
      }
      ctx.fillStyle = "#111";
      ctx.fillRect(Math.round(X(t)) - 1, 0, 2, H);
      if (span < meta.duration_s) {
        ctx.font = "11px system-ui, sans-serif";
        ctx.fillStyle = "#555";
        ctx.textAlign = "left";
        ctx.fillText(`${t0.toFixed(1)} s`, 3, H - 3);
        ctx.textAlign = "right";
        ctx.fillText(`${(t0 + span).toFixed(1)} s`, W - 3, H - 3);
      }
    }
    timeline.addEventListener("click", (ev) => {
      const rect = timeline.getBoundingClientRect();
      const [t0, span] = timelineSpan(meta.start_s + pos / meta.rate_hz);
      const t = t0 + ((ev.clientX - rect.left) / rect.width) * span;
      goTo(Math.round((t - meta.start_s) * meta.rate_hz));
    });

    // the step table: ready with the page, or polled for while the analysis runs
    let rows = [];
    let strikeTimes = {};
    function showSteps(info) {
      meta.events = info.events.slice().sort((a, b) => a.time_s - b.time_s);
      meta.eventTimes = meta.events.map((e) => e.time_s);
      strikeTimes = {};
      for (const side of SIDES) {
        strikeTimes[side] = meta.events.filter((e) => e.side === side && e.kind === "heel_strike").map((e) => e.time_s);
      }
      meta.pending = false;
      const cols = info.step_columns.filter((c) => info.steps.length === 0 || c in info.steps[0]);
      const head = document.createElement("tr");
      for (const c of cols) {
        const th = document.createElement("th");
        th.textContent = c;
        head.appendChild(th);
      }
      $("steps").tHead.replaceChildren(head);
      rows = [];
      const body = $("steps").tBodies[0];
      body.replaceChildren();
      for (const s of info.steps) {
        const tr = document.createElement("tr");
        for (const c of cols) {
          const td = document.createElement("td");
          const v = s[c];
          td.textContent = v === null || v === undefined ? "–" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v);
          tr.appendChild(td);
        }
        if (s.used === false) tr.classList.add("unused");
        tr.addEventListener("click", () => {
          if (s.heel_strike_s !== null) goTo(Math.round((s.heel_strike_s - meta.start_s) * meta.rate_hz));
          showStep(s);
        });
        body.appendChild(tr);
        rows.push([s, tr]);
      }
      const note = $("analysis-note");
      note.hidden = !(info.analysis_note || !info.steps.length);
      note.textContent = info.analysis_note || "no steps found";
      document.body.dataset.steps = String(info.steps.length);
      shown = -1; // redraw: the timeline has its events now
    }
    if (meta.pending) {
      $("analysis-note").hidden = false;
      $("analysis-note").textContent = "finding the steps…";
      const poll = () =>
        getJSON("/api/steps").then(
          (info) => (info.pending ? setTimeout(poll, 300) : showSteps(info)),
          () => setTimeout(poll, 1000)
        );
      poll();
    } else {
      showSteps(meta);
    }

    // a step's peak-pressure map and CoP path, when its row is clicked
    async function showStep(s) {
      if (s.heel_strike_s === null || s.toe_off_s === null) return;
      let d;
      try {
        d = await getJSON("/api/step", { side: s.side, step: s.step });
      } catch (err) {
        $("step-detail").hidden = false;
        $("step-title").textContent = `Step ${s.step} (${s.side}): ${err.message}`;
        return;
      }
      $("step-detail").hidden = false;
      $("step-title").textContent = `${s.side === "left" ? "Left" : "Right"} step ${d.step}: peak pressure and CoP path`;
      const top = niceCeiling(d.peak_max || 1);
      drawMaps($("step-map"), meta.feet, { [d.side]: { values: d.peak, trail: d.cop_path } }, top, meta.unit_text, [d.side]);
      $("step-caption").textContent =
        `heel strike ${d.row.heel_strike_s.toFixed(2)} s to toe off ${d.row.toe_off_s.toFixed(2)} s ` +
        `(${d.frames} frames): each sensor's highest value over the stance; the line is the CoP, heel to toe.`;
      document.body.dataset.stepShown = `${d.side}:${d.step}`;
    }

    let current = null;
    function markStep(t) {
      let found = null;
      for (const [s, tr] of rows) {
        if (s.heel_strike_s !== null && s.toe_off_s !== null && s.heel_strike_s <= t && t < s.toe_off_s) {
          found = tr;
        }
      }
      if (found !== current) {
        if (current) current.classList.remove("current");
        if (found) found.classList.add("current");
        current = found;
      }
    }

    function goTo(i) {
      pos = Math.max(0, Math.min(n - 1, i));
      shown = -1;
    }

    function setPlaying(on) {
      playing = on;
      lastT = null;
      $("play").textContent = on ? "Pause" : "Play";
      document.body.dataset.playing = on ? "1" : "0";
    }

    $("play").addEventListener("click", () => {
      if (!playing && Math.floor(pos) >= n - 1) pos = 0;
      setPlaying(!playing);
    });
    $("step-back").addEventListener("click", () => {
      setPlaying(false);
      goTo(Math.floor(pos) - 1);
    });
    $("step-forward").addEventListener("click", () => {
      setPlaying(false);
      goTo(Math.floor(pos) + 1);
    });
    $("speed").addEventListener("change", (ev) => {
      speed = Number(ev.target.value);
    });
    seek.addEventListener("input", () => goTo(Number(seek.value)));
    document.addEventListener("keydown", (ev) => {
      if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
      if (ev.key === " ") {
        ev.preventDefault();
        $("play").click();
      } else if (ev.key === "ArrowRight") $("step-forward").click();
      else if (ev.key === "ArrowLeft") $("step-back").click();
    });

    function tick(t) {
      if (playing && lastT !== null) {
        const i = Math.floor(pos);
        if (frame(i)) {
          // advance only while the frame is there: a slow fetch pauses, never skips
          pos += ((t - lastT) / 1000) * meta.rate_hz * speed;
          if (pos >= n - 1) {
            pos = n - 1;
            setPlaying(false);
          }
        }
      }
      if (playing) lastT = t;
      const i = Math.floor(pos);
      if (i !== shown) render(i);
      // fetch ahead of the position
      chunk(Math.floor((i + CHUNK / 2) / CHUNK));
      requestAnimationFrame(tick);
    }
    setPlaying(false);
    requestAnimationFrame(tick);
  }

  // -- live ------------------------------------------------------------------------------------
  async function live(first) {
    let meta = first;
    $("live-controls").hidden = false;
    $("source").textContent = `live: ${meta.links.join(" + ")}`;
    let latest = null;
    let drawn = null;
    let snapshots = 0;
    let fetchingMeta = false;

    function connect() {
      const ws = new WebSocket(url("/ws").href.replace(/^http/, "ws"));
      ws.onmessage = (ev) => {
        latest = JSON.parse(ev.data);
        snapshots += 1;
        document.body.dataset.snapshots = String(snapshots);
        if (latest.meta_version !== meta.meta_version && !fetchingMeta) {
          fetchingMeta = true;
          getJSON("/api/meta")
            .then((m) => (meta = m))
            .finally(() => (fetchingMeta = false));
        }
      };
      ws.onclose = () => {
        $("source").textContent = `live: ${meta.links.join(" + ")} (disconnected from the server; retrying)`;
        setTimeout(connect, 1000);
      };
      ws.onopen = () => {
        $("source").textContent = `live: ${meta.links.join(" + ")}`;
      };
    }

    function showRecording(r) {
      const status = $("record-status");
      $("record-start").disabled = r.active;
      $("record-stop").disabled = !r.active;
      status.classList.toggle("on", r.active);
      if (r.active) {
        status.textContent = `recording ${r.path}: ${r.seconds.toFixed(1)} s, frames L ${r.frames.left} R ${r.frames.right}`;
      } else if (r.last) {
        const err = r.last.error ? ` (${r.last.error})` : "";
        status.textContent = `saved ${r.last.path}: ${r.last.seconds.toFixed(1)} s, frames L ${r.last.frames.left} R ${r.last.frames.right}${err}`;
      } else {
        status.textContent = `not recording (files go to ${meta.out_dir})`;
      }
    }

    function draw() {
      if (latest && latest !== drawn) {
        const s = latest;
        drawn = s;
        drawMaps($("maps"), meta.feet, s.feet, s.scale_max, meta.unit_text);
        drawShares($("shares"), s.share_left_pct, meta.share_band_pct, meta.share_window_s);
        showStats(
          { left: s.feet.left.rate, right: s.feet.right.rate },
          s.share_left_pct,
          s.frames_lost,
          s.crc_errors
        );
        showGait({ left: s.feet.left.steps, right: s.feet.right.steps }, s.cadence_spm);
        showRecording(s.recording);
        const notes = $("notes");
        notes.replaceChildren(
          ...s.notes.map((text) => {
            const li = document.createElement("li");
            li.textContent = text;
            return li;
          })
        );
      }
      requestAnimationFrame(draw);
    }

    $("record-start").addEventListener("click", async () => {
      $("record-start").disabled = true;
      $("record-status").textContent = "starting…";
      try {
        await post("/api/record/start");
      } catch (err) {
        $("record-status").textContent = `could not start: ${err.message}`;
        $("record-start").disabled = false;
      }
    });
    $("record-stop").addEventListener("click", async () => {
      $("record-stop").disabled = true;
      $("record-status").textContent = "stopping…";
      try {
        const r = await post("/api/record/stop");
        if (r.recorded) document.body.dataset.recorded = r.recorded.path;
      } catch (err) {
        $("record-status").textContent = `could not stop: ${err.message}`;
      }
    });
    connect();
    requestAnimationFrame(draw);
  }

  getJSON("/api/meta")
    .then((meta) => (meta.mode === "replay" ? replay(meta) : live(meta)))
    .catch((err) => {
      $("source").textContent = `cannot reach the server: ${err.message}`;
    });
})();
