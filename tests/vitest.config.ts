import { packageTestConfig } from "../vitest.shared.js";

export default packageTestConfig("tests", { include: ["**/*.test.ts"], exclude: ["node_modules"] });
