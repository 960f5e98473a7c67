// The daily report's charts: on the page and in the PDF (chromium prints the same page with
// this script inline). No animation, so the charts are complete when printing starts; the
// body gets data-charts-ready once they are drawn.
(function () {
  function draw() {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const L = data.labels;
    const daily = document.getElementById("report-daily");
    if (daily) {
      echarts.init(daily, null, {renderer: "svg"}).setOption({
        animation: false,
        legend: {top: 0, textStyle: {fontSize: 11}},
        grid: {left: 4, right: 12, bottom: 4, top: 30, containLabel: true},
        xAxis: {type: "category", data: data.days},
        yAxis: [{type: "value"}, {type: "value", max: 100, position: "right", axisLabel: {formatter: "{value}%"}}],
        series: [
          {name: L.visits, type: "bar", data: data.visits, itemStyle: {color: "#0d6efd"}},
          {name: L.coverage, type: "line", yAxisIndex: 1, data: data.coverage, itemStyle: {color: "#198754"}},
          {name: L.plan, type: "line", yAxisIndex: 1, data: data.plan, symbol: "none", lineStyle: {type: "dashed"}, itemStyle: {color: "#dc3545"}}
        ]
      });
    }
    const ranking = document.getElementById("report-ranking");
    if (ranking) {
      ranking.style.height = Math.max(160, data.ranking.length * 22 + 40) + "px";
      echarts.init(ranking, null, {renderer: "svg"}).setOption({
        animation: false,
        grid: {left: 4, right: 40, bottom: 4, top: 4, containLabel: true},
        xAxis: {type: "value", max: 100},
        yAxis: {type: "category", inverse: true, data: data.ranking.map((r) => r[0]), axisLabel: {fontSize: 11}},
        series: [{type: "bar", data: data.ranking.map((r) => r[1]), itemStyle: {color: "#198754"}, label: {show: true, position: "right", formatter: "{c}%", fontSize: 10}}]
      });
    }
    document.body.dataset.chartsReady = "1";
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
