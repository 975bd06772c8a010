/** Characters GitHub refuses in artifact names (NTFS and other filesystems cannot hold them). */
const FORBIDDEN: [string, string][] = [
  ['"', 'Double quote "'],
  [":", "Colon :"],
  ["<", "Less than <"],
  [">", "Greater than >"],
  ["|", "Vertical bar |"],
  ["*", "Asterisk *"],
  ["?", "Question mark ?"],
  ["\r", "Carriage return \\r"],
  ["\n", "Line feed \\n"],
  ["\\", "Backslash \\"],
  ["/", "Forward slash /"],
];

/** Why `name` cannot name an artifact, or undefined when it can. */
export function artifactNameProblem(name: string): string | undefined {
  if (name.trim() === "") return "The artifact name is empty";
  if (name === "." || name === "..")
    return `The artifact name is not valid: ${name}. It would name a folder outside the download path`;
  for (const [ch, label] of FORBIDDEN) {
    if (name.includes(ch)) {
      return `The artifact name is not valid: ${name}. Contains the following character: ${label}\n\nInvalid characters include: ${FORBIDDEN.map(([, l]) => l).join(", ")}\n\nThese characters are not allowed in the artifact name due to limitations with certain file systems such as NTFS. To maintain file system agnostic behavior, these characters are intentionally not allowed to prevent potential problems with downloads on different file systems.`;
    }
  }
  return undefined;
}

/** Why a file's path inside an artifact is refused (the same characters, `/` allowed), or undefined. */
export function artifactPathProblem(path: string): string | undefined {
  for (const [ch, label] of FORBIDDEN) {
    if (ch === "/" || ch === "\\") continue;
    if (path.includes(ch)) {
      return `The path for one of the files in artifact is not valid: ${path}. Contains the following character: ${label}`;
    }
  }
  if (path.split("/").includes(".."))
    return `The path for one of the files in artifact is not valid: ${path}`;
  return undefined;
}
