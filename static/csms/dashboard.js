/* The admin's dashboard and charger page: draws the charts (Chart.js) and the
 * map (Leaflet), and re-reads the JSON endpoints when the live socket
 * (live.js) announces a change ("csms:changed").
 *
 * Figures, the sessions table and the charger's state (with the running
 * session's power curve) follow every note, debounced to one refresh a
 * second. Charts of days and months need no such freshness, and cost the
 * server far more: they are re-read only when a session starts or ends, a
 * charger comes or goes, or the socket reconnects (network.resync), and at
 * most once a minute (data-charts-every-seconds on the page's root). */
(function () {
  "use strict";

  var charts = {};

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function scoped(url) {
    var params = [];
    document.querySelectorAll("[data-chart-scope]").forEach(function (select) {
      if (select.value) {
        params.push(encodeURIComponent(select.dataset.chartScope) + "=" + encodeURIComponent(select.value));
      }
    });
    if (!params.length) { return url; }
    return url + (url.indexOf("?") === -1 ? "?" : "&") + params.join("&");
  }

  function draw(canvas, data) {
    var name = canvas.dataset.chart;
    var existing = window.Chart && Chart.getChart(canvas);
    var colour = cssVar("--primary", "#79aec8");
    var datasets = (data.datasets || []).map(function (set) {
      return {
        label: set.label,
        data: set.data,
        backgroundColor: colour,
        borderColor: cssVar("--secondary", "#417690"),
        borderWidth: canvas.dataset.kind === "line" ? 2 : 0,
        pointRadius: canvas.dataset.kind === "line" ? 1.5 : 0,
        fill: false,
        tension: 0.2,
      };
    });
    if (existing) {
      existing.data.labels = data.labels || [];
      existing.data.datasets.forEach(function (set, index) {
        if (datasets[index]) { set.data = datasets[index].data; }
      });
      existing.update();
      return;
    }
    if (!window.Chart) { return; }
    var text = cssVar("--body-quiet-color", "#666");
    var grid = cssVar("--hairline-color", "#e8e8e8");
    charts[name] = new Chart(canvas, {
      type: canvas.dataset.kind === "line" ? "line" : "bar",
      data: { labels: data.labels || [], datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false }, tooltip: { intersect: false, mode: "index" } },
        scales: {
          x: { ticks: { color: text, maxRotation: 0, autoSkip: true }, grid: { color: grid } },
          y: { beginAtZero: true, ticks: { color: text }, grid: { color: grid },
               title: { display: !!data.unit, text: data.unit || "", color: text } },
        },
      },
    });
  }

  var FOLLOW_AFTER_MS = 1000;
  var CHARTS_EVERY_SECONDS = 60;
  // The notes (chargepoints/services/live.py) that can change a chart.
  var CHART_NOTES = { transaction: true, connection: true };
  var chartsReadAt = 0;
  var chartsTimer = null;

  function chartsEveryMs() {
    var root = document.querySelector("[data-charts-every-seconds]");
    var seconds = root ? Number(root.dataset.chartsEverySeconds) : NaN;
    return 1000 * (seconds >= 0 ? seconds : CHARTS_EVERY_SECONDS);
  }

  function refreshCharts() {
    chartsReadAt = Date.now();
    document.querySelectorAll("canvas[data-chart][data-url]").forEach(function (canvas) {
      getJSON(scoped(canvas.dataset.url)).then(function (data) { draw(canvas, data); })
        .catch(function (error) { console.warn(error); });
    });
  }

  function setText(selector, text) {
    document.querySelectorAll(selector).forEach(function (element) { element.textContent = text; });
  }

  function fillTable(table, rows) {
    var keys = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.dataset.column;
    });
    var attribute = table.dataset.rowAttribute || "row";
    var body = table.querySelector("tbody");
    body.textContent = "";
    if (!rows.length) {
      var empty = body.insertRow();
      empty.className = "csms-empty";
      var cell = empty.insertCell();
      cell.colSpan = keys.length;
      cell.textContent = "None right now.";
      return;
    }
    rows.forEach(function (row) {
      var tr = body.insertRow();
      tr.setAttribute("data-" + attribute, row.id);
      keys.forEach(function (key, index) {
        var td = tr.insertCell();
        var value = row[key] === undefined || row[key] === null ? "" : String(row[key]);
        if (index === 0 && row.url) {
          var link = document.createElement("a");
          link.href = row.url;
          link.textContent = value;
          td.appendChild(link);
        } else {
          td.textContent = value;
        }
      });
    });
  }

  function refreshFigures(root) {
    getJSON(root.dataset.figuresUrl).then(function (data) {
      Object.keys(data.figures || {}).forEach(function (key) {
        var value = data.figures[key];
        document.querySelectorAll('[data-figure="' + key + '"]').forEach(function (element) {
          element.textContent = value;
          var card = element.closest(".csms-card");
          if (card && card.dataset.tone) {
            card.classList.toggle("csms-" + card.dataset.tone, value !== 0 && value !== "0");
          }
        });
      });
      Object.keys(data.tables || {}).forEach(function (key) {
        var table = document.getElementById(key);
        if (table) { fillTable(table, data.tables[key]); }
      });
    }).catch(function (error) { console.warn(error); });
  }

  function refreshCharger(root) {
    getJSON(root.dataset.liveUrl).then(function (state) {
      setText("[data-chargepoint-connected]", state.connected ? "Online" : "Offline");
      setText('[data-field="last_heartbeat"]', state.last_heartbeat);
      Object.keys(state.connectors || {}).forEach(function (id) {
        setText('[data-connector-status="' + id + '"]', state.connectors[id]);
      });
      var section = document.getElementById("charger-transaction");
      var tx = state.transaction;
      if (section) { section.hidden = !tx; }
      if (tx) {
        setText('[data-figure="transaction_energy_kwh"]', tx.energy_kwh);
        setText('[data-figure="transaction_power_w"]', tx.power_w === null ? "—" : tx.power_w);
        var link = document.querySelector('[data-field="transaction_link"]');
        if (link) { link.textContent = tx.id; link.href = tx.url; }
        var curve = document.querySelector('canvas[data-chart="power_curve"]');
        if (curve) { draw(curve, tx.power_curve); }
      }
      ["day", "week", "month", "year"].forEach(function (period) {
        setText('[data-figure="energy_' + period + '_kwh"]', state.energy[period]);
      });
      Object.keys(state.panels || {}).forEach(function (key) {
        var panel = document.querySelector('[data-panel="' + key + '"]');
        // The server escaped every value of these tables (format_html).
        if (panel) { panel.innerHTML = state.panels[key]; }
      });
    }).catch(function (error) { console.warn(error); });
  }

  function drawMap() {
    var element = document.getElementById("locations-map");
    var markers = document.getElementById("locations-markers");
    if (!element || !window.L || !markers) { return; }
    var map = L.map(element);
    L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    var points = [];
    JSON.parse(markers.textContent).forEach(function (marker) {
      var point = [marker.latitude, marker.longitude];
      points.push(point);
      var popup = document.createElement("div");
      var link = document.createElement("a");
      link.href = marker.url;
      link.textContent = marker.name;
      popup.appendChild(link);
      popup.appendChild(document.createElement("br"));
      popup.appendChild(document.createTextNode(marker.text));
      L.marker(point, { title: marker.name }).addTo(map).bindPopup(popup);
    });
    if (points.length) { map.fitBounds(points, { padding: [30, 30], maxZoom: 14 }); }
    else { map.setView([0, 0], 1); }
  }

  function refreshFollowed() {
    var dashboard = document.querySelector("[data-figures-url]");
    if (dashboard) { refreshFigures(dashboard); }
    var charger = document.querySelector("[data-live-url]");
    if (charger) { refreshCharger(charger); }
  }

  function chartsConcerned(note) {
    if (!note) { return false; }
    if (note.type === "network.resync") { return true; }
    return (note.changes || []).some(function (change) { return CHART_NOTES[change.what]; });
  }

  function scheduleCharts() {
    if (chartsTimer) { return; }  // Already due: that refresh reads this change too.
    var wait = Math.max(chartsReadAt + chartsEveryMs() - Date.now(), FOLLOW_AFTER_MS);
    chartsTimer = setTimeout(function () { chartsTimer = null; refreshCharts(); }, wait);
  }

  var pending = null;
  document.addEventListener("csms:changed", function (event) {
    if (chartsConcerned(event.detail)) { scheduleCharts(); }
    if (pending) { return; }
    pending = setTimeout(function () { pending = null; refreshFollowed(); }, FOLLOW_AFTER_MS);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart-scope]").forEach(function (select) {
      select.addEventListener("change", refreshCharts);
    });
    refreshCharts();
    var charger = document.querySelector("[data-live-url]");
    if (charger) { refreshCharger(charger); }
    drawMap();
  });
})();
