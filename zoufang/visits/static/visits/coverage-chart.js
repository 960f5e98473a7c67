// Moved out of coverage.html so the Content-Security-Policy can forbid inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  const data = JSON.parse(document.getElementById("coverage-chart-data").textContent);
  const el = document.getElementById("coverage-chart");
  const chart = echarts.init(el);
  const colors = {visited: "#198754", retry: "#ffc107", refused: "#dc3545", invalid: "#6c757d", pending: "#dee2e6"};
  const narrow = el.clientWidth < 500;
  el.style.height = Math.max(narrow ? 260 : 320, data.labels.length * 26 + 80) + "px";
  chart.resize();
  chart.setOption({
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {top: 0, itemWidth: 12, textStyle: {fontSize: 11}},
    grid: {left: 4, right: 12, bottom: 4, top: narrow ? 48 : 30, containLabel: true},
    xAxis: {type: "value"},
    yAxis: {type: "category", data: data.labels, inverse: true, axisLabel: {fontSize: 11, width: narrow ? 70 : 120, overflow: "truncate"}},
    series: data.series.map((s) => ({name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: {color: colors[s.key]}}))
  });
  window.addEventListener("resize", () => chart.resize());
});
