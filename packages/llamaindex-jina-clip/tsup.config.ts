import { defineAdapterTsupConfig } from '../../tsup.shared.js';

export default defineAdapterTsupConfig('@llamaindex/core');
