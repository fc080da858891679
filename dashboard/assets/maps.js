// The overview's boundary map: the page sends the map without coordinates and a versioned URL of the outlines;
// this fills them in. The browser keeps the outlines (Cache-Control: immutable) until they are imported again.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  nhsv_maps: {
    boundaries: function (url, figure) {
      var noUpdate = window.dash_clientside.no_update;
      if (!url || !figure || !figure.data) { return noUpdate; }
      return fetch(url, {credentials: 'same-origin'}).then(function (response) {
        if (!response.ok) { throw new Error('grenzen: ' + response.status); }
        return response.json();
      }).then(function (outlines) {
        var data = figure.data.map(function (trace) {
          var shape = (typeof trace.meta === 'number') ? outlines.shapes[trace.meta] : null;
          return shape ? Object.assign({}, trace, {x: shape[0], y: shape[1]}) : trace;
        });
        return Object.assign({}, figure, {data: data});
      }).catch(function () { return noUpdate; });
    }
  }
});
