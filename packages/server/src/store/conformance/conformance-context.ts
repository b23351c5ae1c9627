import type { Store } from "../store.js";

/** A Store implementation under test, as its factory hands it to describeStoreConformance. */
export interface StoreUnderTest {
  /** A migrated store on a fresh, empty database. */
  store: Store;
  /**
   * Opens and migrates another store on the same database, as a second process would. The suite
   * closes it before cleanup().
   */
  openSecondStore(): Promise<Store>;
  /** Closes the store and removes its database. */
  cleanup(): Promise<void>;
}

/** What each area of the suite reads in its tests; valid inside a test only. */
export interface ConformanceContext {
  readonly store: Store;
  openSecondStore(): Promise<Store>;
}
