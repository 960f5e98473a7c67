// The dashboard's charts (ECharts), drawn from the page's json_script data; no inline script
// (the Content-Security-Policy forbids it). Each chart's table is in the page already.
document.addEventListener("DOMContentLoaded", function () {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const L = data.labels;
  const narrow = () => window.innerWidth < 576;
  const grid = () => ({left: 4, right: 12, bottom: 4, top: 36, containLabel: true});
  const legend = {top: 0, itemWidth: 12, textStyle: {fontSize: 11}};
  const pct = {type: "value", max: 100, axisLabel: {formatter: "{value}%"}};
  const options = {
    kinds: () => ({
      tooltip: {trigger: "axis"}, legend: legend, grid: grid(),
      xAxis: {type: "category", data: data.kinds.labels, axisLabel: {fontSize: 11, interval: 0, width: narrow() ? 60 : 110, overflow: "break"}},
      yAxis: pct,
      series: [
        {name: L.coverage, type: "bar", data: data.kinds.rate, itemStyle: {color: "#198754"}, label: {show: true, position: "top", formatter: "{c}%", fontSize: 11}},
        {name: L.target, type: "scatter", symbol: "rect", symbolSize: [28, 3], data: data.kinds.target, itemStyle: {color: "#dc3545"}}
      ]
    }),
    daily: () => ({
      tooltip: {trigger: "axis"}, legend: legend, grid: grid(),
      xAxis: {type: "category", data: data.daily.days},
      yAxis: [{type: "value", name: narrow() ? "" : L.visits}, Object.assign({}, pct, {position: "right"})],
      series: [
        {name: L.visits, type: "line", data: data.daily.visits, smooth: true, itemStyle: {color: "#0d6efd"}},
        {name: L.visited, type: "line", data: data.daily.visited, smooth: true, itemStyle: {color: "#20c997"}},
        {name: L.coverage, type: "line", yAxisIndex: 1, data: data.daily.coverage, itemStyle: {color: "#198754"}, areaStyle: {opacity: 0.08}},
        {name: L.plan, type: "line", yAxisIndex: 1, data: data.daily.plan, lineStyle: {type: "dashed"}, itemStyle: {color: "#dc3545"}, symbol: "none"}
      ]
    }),
    findings_kind: () => ({
      tooltip: {trigger: "item"}, legend: Object.assign({}, legend, {type: "scroll"}),
      series: [{type: "pie", radius: ["35%", "65%"], top: 30, data: data.findings_kind, label: {fontSize: 11}}]
    }),
    findings_grade: () => ({
      tooltip: {trigger: "item"}, legend: legend,
      color: ["#6c757d", "#fd7e14", "#dc3545"],
      series: [{type: "pie", radius: ["35%", "65%"], top: 30, data: data.findings_grade, label: {fontSize: 11}}]
    }),
    findings_state: () => ({
      tooltip: {trigger: "axis"}, grid: grid(),
      xAxis: {type: "value"},
      yAxis: {type: "category", inverse: true, data: data.findings_state.labels, axisLabel: {fontSize: 11}},
      series: [{type: "bar", data: data.findings_state.values, itemStyle: {color: "#6f42c1"}}]
    }),
    publicity: () => ({
      tooltip: {trigger: "axis"}, grid: grid(),
      xAxis: pct,
      yAxis: {type: "category", inverse: true, data: data.publicity.labels, axisLabel: {fontSize: 11, width: narrow() ? 80 : 140, overflow: "truncate"}},
      series: [{type: "bar", data: data.publicity.rate, itemStyle: {color: "#0dcaf0"}, label: {show: true, position: "right", formatter: "{c}%", fontSize: 11}}]
    })
  };
  const charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const make = options[el.dataset.chart];
    if (!make) return;
    const chart = echarts.init(el);
    chart.setOption(make());
    charts.push([chart, make]);
  });
  let timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      charts.forEach(function ([chart, make]) { chart.setOption(make()); chart.resize(); });
    }, 150);
  });
});
