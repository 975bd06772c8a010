export {
  type BlobBody,
  type BlobInfo,
  BlobKeyError,
  type BlobRange,
  type BlobStore,
  checkBlobKey,
  readBlobText,
} from "./blob-store.js";
export { type BlobLocation, openBlobStore, parseBlobUrl } from "./blob-url.js";
export { FileBlobStore } from "./file-blob-store.js";
export { S3BlobStore, type S3Location } from "./s3-blob-store.js";
