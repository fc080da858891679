// 'Download als SVG' under a chart: plotly.js draws the chart of the same card as SVG, in the browser.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  nhsv: {
    downloadSvg: function (clicks, filename) {
      var id = window.dash_clientside.callback_context.triggered_id;
      var buttons = document.querySelectorAll('button.download');
      for (var i = 0; i < buttons.length; i++) {
        var own = {};
        try { own = JSON.parse(buttons[i].id || '{}'); } catch (e) { continue; }
        if (own.type === 'svg' && own.key === id.key) {
          var graph = buttons[i].closest('section').querySelector('.js-plotly-plot');
          if (graph && window.Plotly) {
            window.Plotly.downloadImage(graph, {format: 'svg', filename: filename || 'grafiek'});
          }
          break;
        }
      }
      return (document.documentElement.lang || '').indexOf('en') === 0 ? 'SVG downloaded' : 'SVG gedownload';
    }
  }
});
