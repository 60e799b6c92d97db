/**
 * TypeBox schemas of the content, placements, flows and content settings admin
 * API: the core schemas (the config file's too) for requests and replies, and the
 * routes' OpenAPI documentation.
 */
import { Type } from '@sinclair/typebox';
import {
  ContentItemSchema,
  ContentSettingsSchema,
  FlowSchema,
  PlacementSchema,
} from '@onramp/core';
import { partSchemas, VersionFields } from './segments-schemas.js';

export const ContentSchemas = partSchemas('content', 'content', ContentItemSchema);
export const PlacementSchemas = partSchemas('placements', 'placement', PlacementSchema);
export const FlowSchemas = partSchemas('flows', 'flow', FlowSchema);

/** The body of PUT /content-settings: the settings themselves (absent fields take their defaults). */
export const ContentSettingsBody = ContentSettingsSchema;
export const ContentSettingsReply = Type.Object({
  ...VersionFields,
  contentSettings: ContentSettingsSchema,
});
