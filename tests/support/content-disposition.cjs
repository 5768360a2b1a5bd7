// Jest's CommonJS loader cannot require an ES module, which Node itself does
// since 20.19: @fastify/static (CommonJS, serving the Swagger UI assets at
// /docs) requires content-disposition, an ES module. jest.config.js maps that
// one package here, and this loads the real package with Node's own require.
const { createRequire } = require('node:module');

module.exports = createRequire(__filename)('content-disposition');
