// Moved out of stats.html so the Content-Security-Policy can forbid inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  const d = JSON.parse(document.getElementById("findings-chart-data").textContent);
  const chart = echarts.init(document.getElementById("findings-chart"));
  chart.setOption({
    tooltip: {
      trigger: "axis",
      // The rates are percentages on the chart as in the table.
      formatter: (items) => [items[0].axisValue].concat(items.map((it) =>
        `${it.marker}${it.seriesName}: ${it.value == null ? "—" : it.value + (it.seriesIndex > 2 ? "%" : "")}`
      )).join("<br>")
    },
    legend: {top: 0},
    grid: {left: 40, right: 40, bottom: 50, top: 40},
    xAxis: {type: "category", data: d.names, axisLabel: {interval: 0, rotate: 30}},
    yAxis: [{type: "value"}, {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}],
    series: [
      {name: d.labels[0], type: "bar", data: d.raised},
      {name: d.labels[1], type: "bar", data: d.resolved},
      {name: d.labels[2], type: "bar", data: d.overdue, itemStyle: {color: "#dc3545"}},
      {name: d.labels[3], type: "line", yAxisIndex: 1, data: d.on_time},
      {name: d.labels[4], type: "line", yAxisIndex: 1, data: d.satisfaction}
    ]
  });
  window.addEventListener("resize", () => chart.resize());
});
