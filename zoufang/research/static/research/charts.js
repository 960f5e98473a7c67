// The questionnaire results' bar charts (a static file: the CSP forbids inline scripts).
document.addEventListener("DOMContentLoaded", function () {
  const charts = JSON.parse(document.getElementById("research-charts").textContent);
  const made = [];
  for (const c of charts) {
    const el = document.querySelector(`[data-chart="${c.id}"]`);
    if (!el) continue;
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "axis"},
      grid: {left: 8, right: 24, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", inverse: true, data: c.labels,
              axisLabel: {width: 120, overflow: "truncate"}},
      series: [{type: "bar", data: c.values, label: {show: true, position: "right"}}]
    });
    made.push(chart);
  }
  window.addEventListener("resize", () => made.forEach((c) => c.resize()));
});
