// Flags over time, per rule or per unit (data from the page's json_script block); the same
// figures are in the table view below the chart and in its xlsx.
document.addEventListener("DOMContentLoaded", function () {
  const el = document.getElementById("patrol-trend-chart");
  const source = document.getElementById("patrol-trend-data");
  if (!el || !source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", top: 0},
    animationDuration: 300,
    grid: {left: 10, right: 20, bottom: 10, top: 40, containLabel: true},
    xAxis: {type: "category", data: data.days},
    yAxis: {type: "value", minInterval: 1},
    series: data.series.map(function (s) {
      return {name: s.name, type: "bar", stack: "flags", barMaxWidth: 48, data: s.counts, emphasis: {focus: "series"}};
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
