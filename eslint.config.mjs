// ESLint (flat config): typescript-eslint's type-checked recommended rules on all TypeScript code; Prettier owns formatting
// (eslint-config-prettier, last, turns off the stylistic rules it would fight). Rules switched off below say why, one line each.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'views/', 'docs/', 'public/', 'test/e2e/screenshots/'] },
  eslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Knex query builders are thenables: every `.where((q) => q.where(...))` callback reads as a promise where void is expected; Express 5 awaits async handlers.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, properties: false } }],
      // Display helpers and Nunjucks filters take `unknown` and String() it on purpose; after a null check TypeScript narrows to `{}`, which this rule flags.
      '@typescript-eslint/no-base-to-string': 'off',
      // `async` without `await` is how we implement Promise-returning interfaces (knex migration source, session store, job handlers, test doubles).
      '@typescript-eslint/require-await': 'off',
      // `_`-prefixed names are unused on purpose (Express error handlers need four parameters); rest siblings drop fields from a copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // French typography puts no-break spaces before « : » and inside « » in mail and page texts, template literals included.
      'no-irregular-whitespace': ['error', { skipTemplates: true }],
    },
  },
  {
    // This module exists to find control characters in submitted text.
    files: ['src/http/control-characters.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'seeds/**/*.ts', 'migrations/**/*.ts'],
    rules: {
      // Supertest's res.body, page.evaluate results and raw knex rows are `any` by design in tests and scripts; the typed rows live in src.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // test/support's handles declare close() as a method signature but implement it as a closure, so destructuring it is safe.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
  prettier,
);
