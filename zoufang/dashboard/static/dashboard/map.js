// The dashboard's map (ECharts geo with the units' GeoJSON; no tiles, nothing fetched from
// outside). Child units are shaded by the page's figure and open their own map when tapped;
// points come from the server, clustered when many: zooming or panning (pinch and drag on a
// phone) asks for the points of the new view, tapping a cluster zooms into it.
document.addEventListener("DOMContentLoaded", function () {
  const el = document.getElementById("unit-map");
  if (!el) return;
  const L = JSON.parse(document.getElementById("map-labels").textContent);
  const note = document.getElementById("map-note");
  const colours = {findings: "#dc3545", visits: "#198754", unvisited: "#6c757d"};
  const chart = echarts.init(el);
  const shown = {};
  document.querySelectorAll("[data-layer]").forEach(function (box) {
    shown[box.dataset.layer] = box.checked;
    box.addEventListener("change", function () {
      shown[box.dataset.layer] = box.checked;
      drawPoints(lastLayers);
    });
  });
  let base = null;
  let lastLayers = {};
  let names = {};

  function extentOf(layers) {
    let box = null;
    Object.values(layers).forEach(function (layer) {
      layer.points.concat(layer.clusters).forEach(function (p) {
        if (!box) box = [p[0], p[1], p[0], p[1]];
        box = [Math.min(box[0], p[0]), Math.min(box[1], p[1]), Math.max(box[2], p[0]), Math.max(box[3], p[1])];
      });
    });
    return box;
  }

  function rectangle(b) {
    const pad = Math.max(b[2] - b[0], b[3] - b[1], 0.01) * 0.05;
    const [x0, y0, x1, y1] = [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
    return {type: "Feature", properties: {code: "__frame", name: ""},
      geometry: {type: "Polygon", coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}};
  }

  function pointSeries(layers) {
    const series = [];
    ["unvisited", "visits", "findings"].forEach(function (key) {
      const layer = layers[key];
      if (!layer) return;
      const on = shown[key] !== false;
      series.push({
        id: key + "-points", name: L[key], type: "scatter", coordinateSystem: "geo", geoIndex: 0,
        data: on ? layer.points : [], symbolSize: 9, itemStyle: {color: colours[key], borderColor: "#fff", borderWidth: 1},
        tooltip: {formatter: function (p) { return L[key] + "<br>" + echarts.format.encodeHTML(p.value[2]); }},
        z: 5
      });
      series.push({
        id: key + "-clusters", name: L[key], type: "scatter", coordinateSystem: "geo", geoIndex: 0,
        data: on ? layer.clusters : [],
        symbolSize: function (v) { return Math.min(44, 14 + 5 * Math.log2(v[2])); },
        itemStyle: {color: colours[key], opacity: 0.8, borderColor: "#fff", borderWidth: 1},
        label: {show: true, formatter: function (p) { return p.value[2]; }, color: "#fff", fontSize: 11},
        tooltip: {formatter: function (p) { return L[key] + ": " + p.value[2] + " " + L.cluster; }},
        z: 6
      });
    });
    return series;
  }

  function drawPoints(layers) {
    lastLayers = layers;
    chart.setOption({series: pointSeries(layers)}, {replaceMerge: []});
  }

  function draw(data) {
    const features = data.shapes.features.slice();

    data.values.forEach(function (v) { names[v.code] = v; });
    if (!features.length && data.outline) features.push(data.outline);
    let frame = data.frame || extentOf(data.layers);
    if (!data.shapes.features.length && !data.outline) note.textContent = L.noShapes;
    if (!features.length) features.push(rectangle(frame || [113.5, 33.9, 114.1, 34.2]));
    echarts.registerMap("unit", {type: "FeatureCollection", features: features});
    const shaded = data.values.length > 0 && data.shapes.features.length > 0;
    const vals = data.values.map(function (v) { return v.value; });
    const max = data.shade === "coverage" ? 100 : Math.max(1, Math.max.apply(null, vals.concat([0])));
    chart.setOption({
      tooltip: {trigger: "item", confine: true},
      visualMap: !shaded ? [] : {
        type: "continuous", min: 0, max: max, seriesIndex: 0, calculable: false, orient: "horizontal",
        left: 8, bottom: 8, itemWidth: 12, itemHeight: 120, text: [String(max), "0 · " + data.shade_label],
        textStyle: {fontSize: 11},
        inRange: {color: data.shade === "coverage" ? ["#f8d7da", "#fff3cd", "#198754"] : ["#e9f5ee", "#fd7e14", "#842029"]}
      },
      geo: {
        map: "unit", nameProperty: "code", roam: true, scaleLimit: {min: 0.8, max: 60},
        itemStyle: {areaColor: "#f1f3f5", borderColor: "#495057", borderWidth: 0.8},
        emphasis: {itemStyle: {areaColor: "#cfe2ff"}, label: {show: true}},
        label: {show: data.shapes.features.length > 0 && data.shapes.features.length <= 40, fontSize: 10, color: "#212529",
          formatter: function (p) { return names[p.name] ? names[p.name].name : ""; }},
        select: {disabled: true}
      },
      series: (shaded ? [{
        id: "units", type: "map", geoIndex: 0,
        data: data.values.map(function (v) { return {name: v.code, value: v.value}; }),
        tooltip: {formatter: function (p) {
          const v = names[p.name];
          return v ? echarts.format.encodeHTML(v.name) + "<br>" + echarts.format.encodeHTML(v.text) : "";
        }}
      }] : []).concat(pointSeries(data.layers))
    }, true);
    lastLayers = data.layers;
  }


  function viewBox() {
    const w = chart.getWidth(), h = chart.getHeight();
    const a = chart.convertFromPixel({geoIndex: 0}, [0, h]);
    const b = chart.convertFromPixel({geoIndex: 0}, [w, 0]);
    if (!a || !b) return null;
    return [Math.max(-180, Math.min(a[0], b[0])), Math.max(-90, Math.min(a[1], b[1])),
      Math.min(180, Math.max(a[0], b[0])), Math.min(90, Math.max(a[1], b[1]))].map(function (v) { return v.toFixed(6); }).join(",");
  }

  let timer = null;
  let asked = 0;
  function refreshPoints() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      const box = viewBox();
      if (!box) return;
      const n = ++asked;
      fetch(base + "&box=" + box, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && n === asked) drawPoints(data.layers); });
    }, 350);
  }

  chart.on("georoam", refreshPoints);
  chart.on("click", function (p) {
    if (p.seriesId && p.seriesId.endsWith("-clusters")) {
      const geo = chart.getModel().getComponent("geo");
      const zoom = (geo && geo.get("zoom")) || 1;
      chart.setOption({geo: {center: [p.value[0], p.value[1]], zoom: zoom * 2.5}});
      refreshPoints();
    } else if (p.seriesId === "units" && names[p.name]) {
      const url = new URL(window.location.href);
      url.searchParams.set("unit", names[p.name].id);
      window.location.href = url.toString();
    }
  });
  document.getElementById("map-reset").addEventListener("click", function () {
    chart.setOption({geo: {center: null, zoom: 1}});
    fetch(base, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) { drawPoints(d.layers); });
  });
  window.addEventListener("resize", function () { chart.resize(); });

  base = el.dataset.src;
  fetch(base, {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(draw);
});
