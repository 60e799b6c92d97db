/** @jsxRuntime automatic @jsxImportSource react */
import { useId, useRef, type CSSProperties, type ReactNode } from 'react';
import type { PlacementState } from '../hooks/use-placement.js';
import { decodeEntities } from '../text/decode-entities.js';
import { ctaField, safeUrl, stringField, textField } from '../text/fields.js';
import { classes } from './class-names.js';
import { FieldText } from './field-text.js';
import { useShownWhenVisible } from './use-shown.js';

export interface ContentViewProps {
  state: PlacementState;
  unsafeHtml?: boolean;
  className?: string;
  style?: CSSProperties;
}

/** A banner, message or offer: a labelled region with title, body, image, CTA and dismiss. */
export function MessageView({ state, unsafeHtml, className, style }: ContentViewProps): ReactNode {
  const ref = useRef<HTMLElement>(null);
  const titleId = useId();
  const content = state.content;
  useShownWhenVisible(ref, content !== null, state.shown);
  if (content === null) return null;
  const { fields } = content;
  const title = stringField(fields, 'title');
  return (
    <section
      ref={ref}
      className={classes('onramp-placement', `onramp-${content.type}`, className)}
      style={style}
      aria-labelledby={title === undefined ? undefined : titleId}
      aria-label={title === undefined ? content.type : undefined}
      data-placement={state.placement}
      data-content={content.id}
    >
      <ContentBody state={state} titleId={titleId} unsafeHtml={unsafeHtml} />
      {fields['dismissible'] !== false && (
        <DismissButton onClick={state.dismiss} label={`Dismiss ${title ?? content.type}`} />
      )}
    </section>
  );
}

/** Title, image, body and call to action of message-like content. */
export function ContentBody(props: {
  state: PlacementState;
  titleId: string;
  bodyId?: string;
  unsafeHtml?: boolean | undefined;
}): ReactNode {
  const fields = props.state.content?.fields;
  const cta = ctaField(fields);
  const image = safeUrl(stringField(fields, 'image'));
  return (
    <div className="onramp-content">
      {image !== undefined && (
        <img className="onramp-image" src={image} alt={textField(fields, 'imageAlt') ?? ''} />
      )}
      <FieldText
        as="h2"
        className="onramp-title"
        id={props.titleId}
        value={stringField(fields, 'title')}
        unsafeHtml={props.unsafeHtml}
      />
      <FieldText
        as="p"
        className="onramp-body"
        id={props.bodyId}
        value={stringField(fields, 'body')}
        unsafeHtml={props.unsafeHtml}
      />
      {cta !== undefined && (
        <CallToActionLink label={cta.label} url={cta.url} onClick={props.state.clicked} />
      )}
    </div>
  );
}

function CallToActionLink(props: {
  label: string;
  url: string | undefined;
  onClick: () => void;
}): ReactNode {
  const label = <FieldText value={props.label} />;
  if (props.url === undefined) {
    return (
      <button type="button" className="onramp-cta" onClick={props.onClick}>
        {label}
      </button>
    );
  }
  return (
    <a className="onramp-cta" href={props.url} onClick={props.onClick}>
      {label}
    </a>
  );
}

export function DismissButton(props: { onClick: () => void; label: string }): ReactNode {
  return (
    <button
      type="button"
      className="onramp-dismiss"
      aria-label={decodeEntities(props.label)}
      onClick={props.onClick}
    >
      <span aria-hidden="true">×</span>
    </button>
  );
}
