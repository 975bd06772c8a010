export { setupGo } from "./setup-go.js";
export { JAVA_DISTRIBUTIONS, JAVA_PACKAGES, setupJava } from "./setup-java.js";
export { setupNode } from "./setup-node.js";
export { setupPython } from "./setup-python.js";
export { probe, toolArch } from "./tool-cache.js";
export {
  goSpecToSemver,
  goVersionToSemver,
  javaCacheVersion,
  javaVersionToSemver,
  parseJavaSpec,
  pythonSpecToSemver,
  pythonVersionToSemver,
} from "./versions.js";
