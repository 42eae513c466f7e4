import { defineAdapterVitestConfig } from '../../vitest.shared.js';

export default defineAdapterVitestConfig();
