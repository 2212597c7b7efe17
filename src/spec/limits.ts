/**
 * The bounds of every request input, in one place: the schemas enforce them (a 400 envelope naming
 * the parameter and the bound), the OpenAPI document shows them (`maxLength`, `maxItems`), and
 * specs/mock.md lists them. Whatever is not bounded here is bounded by the body limit (413).
 */

/**
 * OpenAI's prompt limit, kept so that a body valid here is valid for the official API too: the
 * `prompt` of images and videos, and the text of a chat request summed over all its messages.
 */
export const PROMPT_MAX_LENGTH = 32000;

/** Messages in one chat request. */
export const MAX_CHAT_MESSAGES = 64;

/** Content parts in one chat message. */
export const MAX_CONTENT_PARTS = 64;

/** Input images of one request (OpenAI's limit on edits; chat counts its image parts over all messages). */
export const MAX_INPUT_IMAGES = 16;

/** Characters of a model name; the longest canonical name has 32, so only garbage trips it. */
export const MODEL_NAME_MAX_LENGTH = 128;

/** Characters of `size`: `16384x16384` has 11. */
export const SIZE_MAX_LENGTH = 32;

/** Characters of an http(s) image URL (data URIs are bounded by the body limit only). */
export const IMAGE_URL_MAX_LENGTH = 8192;

/** Characters of a chat message's `name`. */
export const MESSAGE_NAME_MAX_LENGTH = 256;

/** Characters of a video id in a path or in `after` (the mock's ids have 22). */
export const VIDEO_ID_MAX_LENGTH = 128;
