// Moved out of home.html so the Content-Security-Policy can forbid inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  const data = JSON.parse(document.getElementById("county-chart-data").textContent);
  const chart = echarts.init(document.getElementById("county-chart"));
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0},
    animationDuration: 300, grid: {left: 10, right: 10, bottom: 10, top: 30, containLabel: true},
    xAxis: {type: "category", data: data.names, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value"},
    series: [
      {name: data.labels[0], type: "bar", stack: "p", data: data.officers},
      {name: data.labels[1], type: "bar", stack: "p", data: data.auxiliaries}
    ]
  });
  window.addEventListener("resize", () => chart.resize());
});
