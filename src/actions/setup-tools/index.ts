export { setupGo } from "./setup-go.js";
export { setupJava } from "./setup-java.js";
export { setupNode } from "./setup-node.js";
export { setupPython } from "./setup-python.js";
