// Used by Jest only: the server runs through tsx, and production builds use tsc.
module.exports = {
  presets: [['@babel/preset-env', { targets: { node: 'current' } }], '@babel/preset-typescript'],
};
