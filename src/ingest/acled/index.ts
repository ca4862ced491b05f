export * from './csv';
export * from './columns';
export * from './import';
export * from './export';
