// The AsyncAPI viewer for this service's events, from the service's own assets.
(function () {
  var config = JSON.parse(document.getElementById("docs-config").textContent);
  fetch(config.asyncapi).then(function (r) { return r.json(); }).then(function (doc) {
    AsyncApiStandalone.render(
      { schema: doc, config: { show: { sidebar: true, servers: true, operations: true,
        messages: true, schemas: true, errors: true } } },
      document.getElementById("asyncapi"));
  });
})();
