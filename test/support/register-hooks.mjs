import { register } from 'node:module';

// see load-ts-as-commonjs.mjs
register('./load-ts-as-commonjs.mjs', import.meta.url);
