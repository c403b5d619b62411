/**
 * The feature and user-story payloads of a product (`products/{id}/features`,
 * `products/{id}/sections/{sid}/features`, `products/{id}/user_stories`), each with its sanitised `raw`.
 *
 * @example
 * ```ts
 * const story = UserStorySchema.parse({ id: 3, path: "Pay by card" });
 * story.title; // "Pay by card"
 * ```
 */
import { z } from "zod";
import { firstText, id, optionalId, type RawJson, text, withRaw } from "./common.ts";

/** A product feature from `products/{id}/features` or `products/{id}/sections/{sid}/features`. */
export interface ApiFeature {
  /** The global feature id. */
  id: number;
  title: string;
  description: string | null;
  howtofind: string | null;
  /** User-story titles (the API gives them without ids). */
  user_stories: string[];
  raw: RawJson;
}

const FeatureCore = z.looseObject({
  id,
  title: z.string(),
  description: text,
  howtofind: text,
  user_stories: z.array(z.string()).nullish(),
}).transform((f): Omit<ApiFeature, "raw"> => ({
  id: f.id,
  title: f.title,
  description: f.description,
  howtofind: f.howtofind,
  user_stories: f.user_stories ?? [],
}));

/** Schema of one feature record. */
export const FeatureSchema: z.ZodType<ApiFeature> = withRaw(FeatureCore);

/** A user story from `products/{id}/user_stories`. */
export interface ApiUserStory {
  id: number;
  /** Same text as `title` in the API. */
  path: string;
  title: string;
  /** Not sent by the API today; kept in case it appears. */
  feature_id: number | null;
  raw: RawJson;
}

const UserStoryCore = z.looseObject({
  id,
  path: text,
  title: text,
  feature_id: optionalId,
}).transform((s, ctx): Omit<ApiUserStory, "raw"> => {
  const title = firstText(s.title, s.path);
  if (title === null) {
    ctx.addIssue({ code: "custom", message: "neither title nor path is set", path: ["title"] });
    return z.NEVER;
  }
  return { id: s.id, path: s.path ?? title, title, feature_id: s.feature_id };
});

/** Schema of one user-story record. */
export const UserStorySchema: z.ZodType<ApiUserStory> = withRaw(UserStoryCore);
