// The dashboard's charts, drawn with the vendored Chart.js (static/vendor/chartjs) from
// the numbers the page embeds (#dashboard-data: analytics.dashboard.chart_data, the same
// as the API and the XLSX export). This period is a solid line, the previous period of
// the same length a dashed one beside it; a bucket without a value is a gap.
// Runs again after an htmx page swap (the scripts of the new body are run), so it draws
// whatever canvases are on the page and not drawn yet.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var styles = getComputedStyle(document.documentElement);
  var primary = (styles.getPropertyValue("--primary") || "#2457d6").trim();
  var muted = (styles.getPropertyValue("--muted") || "#6b7280").trim();
  // The legend's words come translated from the page.
  var grid = document.querySelector(".dash-grid");
  var names = {
    now: (grid && grid.getAttribute("data-now")) || "This period",
    before: (grid && grid.getAttribute("data-before")) || "Previous period"
  };

  // The reasons for not paying: a bar per reason, this period and the previous one.
  var reasons = document.querySelector('canvas[data-chart="reasons"]');
  if (reasons && !reasons.getAttribute("data-drawn") && data.reason_counts) {
    reasons.setAttribute("data-drawn", "1");
    new window.Chart(reasons, {
      type: "bar",
      data: {
        labels: data.reason_counts.labels,
        datasets: [
          { label: names.now, data: data.reason_counts.values, backgroundColor: primary },
          {
            label: names.before,
            data: data.reason_counts.previous,
            backgroundColor: "rgba(107,114,128,.35)",
            borderColor: muted,
            borderDash: [6, 4],
            borderWidth: 1
          }
        ]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 18 } } }
      }
    });
  }

  data.metrics.forEach(function (metric) {
    var canvas = document.querySelector('canvas[data-chart="' + metric.code + '"]');
    if (!canvas || canvas.getAttribute("data-drawn")) return;
    canvas.setAttribute("data-drawn", "1");
    var bars = metric.unit === "count" || metric.unit === "money";
    new window.Chart(canvas, {
      type: bars ? "bar" : "line",
      data: {
        labels: metric.labels,
        datasets: [
          {
            label: names.now,
            data: metric.values,
            borderColor: primary,
            backgroundColor: primary,
            borderWidth: 2,
            pointRadius: metric.labels.length > 40 ? 0 : 2,
            spanGaps: false,
            tension: 0.2
          },
          {
            label: names.before,
            data: metric.previous,
            borderColor: muted,
            backgroundColor: bars ? "rgba(107,114,128,.35)" : muted,
            borderDash: [6, 4],
            borderWidth: bars ? 1 : 2,
            // A lone point between gaps is drawn only as a point.
            pointRadius: metric.labels.length > 40 ? 0 : 2,
            spanGaps: false,
            tension: 0.2
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 5 } }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 18 } },
          tooltip: {
            callbacks: {
              // The previous period's point is another date: name it.
              label: function (item) {
                var value = item.raw === null ? "—" : item.formattedValue;
                if (item.datasetIndex === 1) return names.before + " (" + metric.previous_labels[item.dataIndex] + "): " + value;
                return names.now + ": " + value;
              }
            }
          }
        }
      }
    });
  });
})();
