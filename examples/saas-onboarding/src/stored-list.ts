import { useState } from 'react';

/** A list kept in localStorage under `key`: the demo's stand-in for a database. */
export function useStoredList<T>(key: string): [T[], (item: T) => void] {
  const [items, setItems] = useState<T[]>(() => {
    try {
      const value: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
      return Array.isArray(value) ? (value as T[]) : [];
    } catch {
      return [];
    }
  });
  const add = (item: T) => {
    setItems((current) => {
      const next = [...current, item];
      localStorage.setItem(key, JSON.stringify(next));
      return next;
    });
  };
  return [items, add];
}
