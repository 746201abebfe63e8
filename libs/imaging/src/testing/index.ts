// Test helpers; kept out of the runtime index because they use jest globals.
export * from './shared-data-jest';
export * from './synthetic-images';
export * from './labelled-faces';
