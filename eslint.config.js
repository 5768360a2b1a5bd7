import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** typescript-eslint's recommended rules over the whole tree; `npm test` runs it (`npm run lint`). */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
    rules: {
      // Unused names are errors, except the `_`-prefixed ones a signature needs.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // A `let` that a closure reads before its one assignment (a hook registered before the app exists) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Lines of at most 140 characters: prettier's printWidth, which prettier cannot hold strings and comments to.
    // The core rule: deprecated since ESLint 8.53 and available until ESLint 11, when @stylistic/eslint-plugin's
    // max-len (not installed here) replaces it.
    rules: { 'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }] },
  },
  {
    // The dashboard runs in the browser, as plain ES modules.
    files: ['**/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // CommonJS files (configuration, jest setup and shims) use require and module.exports.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read JSON answers of any shape, and say in their assertions what they expect.
    files: ['tests/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
