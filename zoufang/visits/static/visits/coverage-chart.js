// Moved out of coverage.html so the Content-Security-Policy can forbid inline scripts.
// The bars show shares (%) so units of different size compare, or counts; buttons switch.
document.addEventListener("DOMContentLoaded", function () {
  const data = JSON.parse(document.getElementById("coverage-chart-data").textContent);
  const el = document.getElementById("coverage-chart");
  const chart = echarts.init(el);
  const colors = {visited: "#198754", retry: "#ffc107", refused: "#dc3545", invalid: "#6c757d", pending: "#dee2e6"};
  const narrow = el.clientWidth < 500;
  const totals = data.labels.map((_l, i) => data.series.reduce((sum, s) => sum + (s.data[i] || 0), 0));
  const share = (v, i) => (totals[i] ? Math.round((v || 0) * 1000 / totals[i]) / 10 : 0);
  el.style.height = Math.max(narrow ? 260 : 320, data.labels.length * 26 + 80) + "px";
  chart.resize();

  function draw(mode) {
    const pct = mode === "percent";
    chart.setOption({
      tooltip: {
        trigger: "axis", axisPointer: {type: "shadow"},
        formatter: (items) => [items[0].axisValue].concat(items.map((it) => {
          const count = data.series[it.seriesIndex].data[it.dataIndex] || 0;
          return `${it.marker}${it.seriesName}: ${count} (${share(count, it.dataIndex)}%)`;
        })).join("<br>")
      },
      legend: {top: 0, itemWidth: 12, textStyle: {fontSize: 11}},
      grid: {left: 4, right: 12, bottom: 4, top: narrow ? 48 : 30, containLabel: true},
      xAxis: pct ? {type: "value", max: 100, axisLabel: {formatter: "{value}%"}} : {type: "value", max: null, axisLabel: {formatter: "{value}"}},
      yAxis: {type: "category", data: data.labels, inverse: true, axisLabel: {fontSize: 11, width: narrow ? 70 : 120, overflow: "truncate"}},
      series: data.series.map((s) => ({
        name: s.name, type: "bar", stack: "all", itemStyle: {color: colors[s.key]},
        data: pct ? s.data.map(share) : s.data
      }))
    });
    el.dataset.mode = mode;
    document.querySelectorAll("[data-chart-mode]").forEach((b) => {
      b.classList.toggle("active", b.dataset.chartMode === mode);
      b.setAttribute("aria-pressed", b.dataset.chartMode === mode ? "true" : "false");
    });
  }
  document.querySelectorAll("[data-chart-mode]").forEach((b) => {
    b.addEventListener("click", () => draw(b.dataset.chartMode));
  });
  draw("percent");
  window.addEventListener("resize", () => chart.resize());
});
