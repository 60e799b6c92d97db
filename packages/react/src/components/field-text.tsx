/** @jsxRuntime automatic @jsxImportSource react */
import type { ReactNode } from 'react';
import { decodeEntities } from '../text/decode-entities.js';

export interface FieldTextProps {
  as?: 'h2' | 'h3' | 'p' | 'span' | 'div' | 'strong';
  value: string | undefined;
  /**
   * UNSAFE: render the field as HTML (the server's escaped template output as it is).
   * Trait values stay escaped by the server, but any markup the content's author wrote
   * in the template runs in your page. Off by default: fields render as text.
   */
  unsafeHtml?: boolean;
  className?: string;
  id?: string;
}

/** A content field as text (entities decoded, never parsed as HTML), or null when absent. */
export function FieldText({
  as: Tag = 'span',
  value,
  unsafeHtml = false,
  className,
  id,
}: FieldTextProps): ReactNode {
  if (value === undefined) return null;
  if (unsafeHtml) {
    return <Tag className={className} id={id} dangerouslySetInnerHTML={{ __html: value }} />;
  }
  return (
    <Tag className={className} id={id}>
      {decodeEntities(value)}
    </Tag>
  );
}
