// Used by Jest only: the server runs through tsx, and production builds use tsc.
module.exports = {
  presets: [['@babel/preset-env', { targets: { node: 'current' } }], '@babel/preset-typescript'],
  overrides: [
    {
      // ES modules from node_modules (music-metadata) default-import CommonJS packages that were
      // themselves compiled from TypeScript (content-type): as in Node, the default is `module.exports`.
      test: /node_modules/,
      plugins: [['@babel/plugin-transform-modules-commonjs', { importInterop: 'node' }]],
    },
  ],
};
