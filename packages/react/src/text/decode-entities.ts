const entities: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#34;': '"',
  '&#39;': "'",
  '&#x27;': "'",
};

/**
 * Undoes the server's HTML escaping of template output (`&amp; &lt; &gt; &#34; &#39;`),
 * in one pass, so `O&#39;Brien` reads `O'Brien`. The result is text: render it as a
 * React text child (never as HTML), where `<script>` stays visible, harmless text.
 */
export function decodeEntities(value: string): string {
  return value.includes('&')
    ? value.replace(/&(?:amp|lt|gt|quot|#34|#39|#x27);/g, (entity) => entities[entity] ?? entity)
    : value;
}
