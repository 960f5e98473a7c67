// The ranking's trend across the campaign (data from the page's json_script block).
document.addEventListener("DOMContentLoaded", function () {
  const el = document.getElementById("trend-chart");
  const source = document.getElementById("trend-data");
  if (!el || !source) return;
  const data = JSON.parse(source.textContent);
  const chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", top: 0},
    animationDuration: 300,
    grid: {left: 10, right: 20, bottom: 10, top: 40, containLabel: true},
    xAxis: {type: "category", data: data.days},
    yAxis: {type: "value", inverse: true, minInterval: 1, min: 1},
    series: data.series.map(function (s) {
      return {name: s.name, type: "line", data: s.rank, connectNulls: true};
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
